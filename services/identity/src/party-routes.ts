/**
 * Public realm (internet zone): registration of natural persons, legal persons (法人) and their
 * handlers (经办人), agents' consents (代办授权), and the representation check the declaration
 * service makes before anyone acts on someone else's behalf.
 */
import { Type } from '@sinclair/typebox';
import { Problems, ProblemError, ProblemSchema, StrictObject } from '@hall/http';
import { requireRealm, requireRole } from '@hall/auth';
import { checkCreditCode, checkIdNumber, normalizeCreditCode, normalizeIdNumber, ID_NUMBER_REASONS, CREDIT_CODE_REASONS } from './checks.js';
import { hashPassword } from './passwords.js';
import { activeAccount, CompanyName, Password, passwordProblem, PersonName, type IdentityDeps } from './deps.js';

const isUniqueViolation = (err: unknown) => (err as { code?: string }).code === 'P2002' || /unique constraint/i.test(String((err as Error).message));
const Uuid = Type.String({ format: 'uuid' });
const RepresentationView = Type.Object({ partyId: Type.String(), partyKind: Type.String(), partyName: Type.String(), relation: Type.String() });

export async function partyRoutes(d: IdentityDeps): Promise<void> {
  const { app, accounts, parties, dataKey } = d;
  const citizen = [app.authenticate, requireRealm('public')];

  app.post('/v1/accounts', {
    schema: {
      body: StrictObject({
        username: Type.String({ minLength: 4, maxLength: 32, pattern: '^[A-Za-z][A-Za-z0-9_.-]*$' }),
        password: Password,
        name: PersonName,
        idNumber: Type.String({ minLength: 1, maxLength: 32 }),
        phone: Type.String({ pattern: '^1[3-9]\\d{9}$' }),
      }),
      response: { 201: Type.Object({ id: Type.String(), username: Type.String() }), 400: ProblemSchema, 409: ProblemSchema, 429: ProblemSchema },
    },
  }, async (req, reply) => {
    d.limits.resetIp.hit(req.ip);
    const b = req.body;
    const bad = checkIdNumber(b.idNumber);
    if (bad) throw Problems.badRequest('id_number_invalid', '身份证号码无效', ID_NUMBER_REASONS[bad], { extra: { reason: bad } });
    const weak = passwordProblem(b.password, b.username);
    if (weak) throw Problems.badRequest('password_too_weak', '密码不符合要求', weak);
    const idNumber = normalizeIdNumber(b.idNumber);
    const idNumberHash = dataKey.hash(`id:${idNumber}`);
    if (await accounts.findByIdNumberHash('public', idNumberHash)) throw Problems.conflict('id_number_registered', '该身份证号码已注册');
    try {
      const row = await accounts.create({
        realm: 'public', username: b.username, passwordHash: await hashPassword(b.password), name: b.name, kind: 'person',
        roles: ['applicant'], positions: [], idNumberHash, idNumberEnc: dataKey.encrypt(idNumber), phone: b.phone,
      }, 'self');
      reply.code(201);
      return { id: row.id, username: row.username };
    } catch (err) {
      if (isUniqueViolation(err)) throw Problems.conflict('username_taken', '用户名已被使用或身份证号码已注册');
      throw err;
    }
  });

  app.post('/v1/legal-persons', {
    preHandler: citizen,
    schema: {
      body: StrictObject({ creditCode: Type.String({ minLength: 1, maxLength: 32 }), name: CompanyName }),
      response: { 201: Type.Object({ id: Type.String(), creditCode: Type.String(), name: Type.String() }), 400: ProblemSchema, 403: ProblemSchema, 409: ProblemSchema },
    },
  }, async (req, reply) => {
    const me = await activeAccount(d, req);
    if (me.kind !== 'person') throw Problems.forbidden('forbidden', '无权执行此操作', '只有自然人可以登记为法定代表人');
    const bad = checkCreditCode(req.body.creditCode);
    if (bad) throw Problems.badRequest('credit_code_invalid', '统一社会信用代码无效', CREDIT_CODE_REASONS[bad], { extra: { reason: bad } });
    const creditCode = normalizeCreditCode(req.body.creditCode);
    if (await parties.findByCreditCode(creditCode)) throw Problems.conflict('credit_code_registered', '该统一社会信用代码已登记');
    try {
      const row = await parties.createLegalPerson({ creditCode, name: req.body.name, legalRepId: me.id });
      reply.code(201);
      return { id: row.id, creditCode: row.creditCode, name: row.name };
    } catch (err) {
      if (isUniqueViolation(err)) throw Problems.conflict('credit_code_registered', '该统一社会信用代码已登记');
      throw err;
    }
  });

  /** The legal person, when the caller is its legal representative; else 404 (existence is not told). */
  const ownCompany = async (legalPersonId: string, callerId: string) => {
    const lp = await parties.findLegalPerson(legalPersonId);
    if (!lp || lp.legalRepId !== callerId) throw Problems.notFound('legal_person_not_found', '法人不存在或您不是其法定代表人');
    return lp;
  };

  app.get('/v1/legal-persons/:id/handlers', {
    preHandler: citizen,
    schema: { params: StrictObject({ id: Uuid }), response: { 200: Type.Object({ items: Type.Array(Type.Object({ handlerId: Type.String(), name: Type.String(), username: Type.String(), grantedAt: Type.String() })) }), 404: ProblemSchema } },
  }, async (req) => {
    const me = await activeAccount(d, req);
    await ownCompany(req.params.id, me.id);
    const rows = await parties.listHandlers(req.params.id);
    return { items: rows.map((r) => ({ ...r, grantedAt: r.grantedAt.toISOString() })) };
  });

  app.post('/v1/legal-persons/:id/handlers', {
    preHandler: citizen,
    schema: { params: StrictObject({ id: Uuid }), body: StrictObject({ username: Type.String({ minLength: 1, maxLength: 64 }) }), response: { 201: Type.Object({ grantId: Type.String(), handlerId: Type.String() }), 400: ProblemSchema, 404: ProblemSchema } },
  }, async (req, reply) => {
    const me = await activeAccount(d, req);
    const lp = await ownCompany(req.params.id, me.id);
    const handler = await accounts.findByUsername('public', req.body.username);
    if (!handler || handler.disabled || handler.kind !== 'person') throw Problems.notFound('account_not_found', '未找到该自然人账号');
    if (handler.id === me.id) throw Problems.badRequest('handler_is_legal_rep', '法定代表人无需授权自己为经办人');
    const grant = await parties.grantHandler(lp.id, handler.id, me.id);
    reply.code(201);
    return { grantId: grant.id, handlerId: handler.id };
  });

  app.delete('/v1/legal-persons/:id/handlers/:handlerId', {
    preHandler: citizen,
    schema: { params: StrictObject({ id: Uuid, handlerId: Uuid }), response: { 204: Type.Null(), 404: ProblemSchema } },
  }, async (req, reply) => {
    const me = await activeAccount(d, req);
    const lp = await ownCompany(req.params.id, me.id);
    if (!(await parties.revokeHandler(lp.id, req.params.handlerId, me.id))) throw Problems.notFound('grant_not_found', '该经办人授权不存在或已撤销');
    reply.code(204).send(null);
  });

  app.post('/v1/consents', {
    preHandler: citizen,
    schema: {
      body: StrictObject({ agentUsername: Type.String({ minLength: 1, maxLength: 64 }), days: Type.Optional(Type.Integer({ minimum: 1, maximum: 365 })) }),
      response: { 201: Type.Object({ consentId: Type.String(), agentId: Type.String(), expiresAt: Type.String() }), 404: ProblemSchema },
    },
  }, async (req, reply) => {
    const me = await activeAccount(d, req);
    const agent = await accounts.findByUsername('public', req.body.agentUsername);
    if (!agent || agent.disabled || agent.kind !== 'agent') throw Problems.notFound('agent_not_found', '未找到该代办员');
    const c = await parties.giveConsent(me.id, agent.id, req.body.days ?? null, d.config.CONSENT_DEFAULT_DAYS);
    reply.code(201);
    return { consentId: c.id, agentId: agent.id, expiresAt: c.expiresAt.toISOString() };
  });

  app.get('/v1/consents', {
    preHandler: citizen,
    schema: { response: { 200: Type.Object({ items: Type.Array(Type.Object({ id: Type.String(), agentId: Type.String(), agentName: Type.String(), servicePoint: Type.Union([Type.String(), Type.Null()]), grantedAt: Type.String(), expiresAt: Type.String() })) }) } },
  }, async (req) => {
    const me = await activeAccount(d, req);
    return { items: (await parties.listConsents(me.id)).map((c) => ({ ...c, grantedAt: c.grantedAt.toISOString(), expiresAt: c.expiresAt.toISOString() })) };
  });

  app.delete('/v1/consents/:id', { preHandler: citizen, schema: { params: StrictObject({ id: Uuid }), response: { 204: Type.Null(), 404: ProblemSchema } } }, async (req, reply) => {
    const me = await activeAccount(d, req);
    if (!(await parties.withdrawConsent(me.id, req.params.id))) throw Problems.notFound('consent_not_found', '该代办授权不存在或已撤回');
    reply.code(204).send(null);
  });

  // Asked by the declaration service (with the caller's own token) on every on-behalf-of request.
  app.get('/v1/representations', { preHandler: citizen, schema: { response: { 200: Type.Object({ items: Type.Array(RepresentationView) }) } } }, async (req) => {
    const me = await activeAccount(d, req);
    return { items: await parties.representations(me.id) };
  });

  app.get('/v1/representations/:partyId', {
    preHandler: [...citizen, requireRole('applicant')],
    schema: { params: StrictObject({ partyId: Uuid }), response: { 200: RepresentationView, 404: ProblemSchema } },
  }, async (req) => {
    const me = await activeAccount(d, req);
    const [r] = await parties.representations(me.id, req.params.partyId);
    if (!r) throw new ProblemError(404, 'not_represented', '您无权代表该主体办理');
    return r;
  });
}
