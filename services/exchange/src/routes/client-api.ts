/**
 * The API other departments' systems call (realm 'client', scopes from identity's client
 * credentials). Every route: the token, the client realm, the per-client rate limit, then its
 * scope; every call is audited (audit.ts). Certificates, cases and the catalog come from their
 * services through the breakers (upstream.ts) with the client's own token; the base registries
 * are this service's own tables.
 */
import type { FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { Problems, ProblemSchema, StrictObject, Type, type HttpPlugin } from '@hall/http';
import { requireRealm, requireScope } from '@hall/auth';
import { PageQuery, PageOf } from '@hall/service';
import { auditHook, auditRepository, auditResult } from '../audit.js';
import { idNumberFor, pickFields } from '../minimise.js';
import { hasScope, type Scope } from '../scopes.js';
import type { Upstream, UpstreamAnswer } from '../upstream.js';
import type { Db } from '../db.js';
import { registryRepository } from '../registries/repository.js';
import { creditCodeProblem, idNumberProblem } from '../registries/check-digits.js';

export interface ClientApiOptions {
  db: Db;
  upstreams: { certificate: Upstream; approval: Upstream; catalog: Upstream };
  /** `max` calls per client per window; `perClient` overrides it for named clients. */
  rateLimit: { max: number; windowMs: number; perClient: Record<string, number> };
}

const Purpose = Type.String({ minLength: 2, maxLength: 500, description: '调用目的及法律依据（记入调用审计）' });
const PurposeQuery = StrictObject({ purpose: Type.Optional(Purpose) });
const Errors = { 400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema, 404: ProblemSchema, 429: ProblemSchema, 503: ProblemSchema };
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

const CertificateStatus = Type.Union([Type.Literal('valid'), Type.Literal('revoked'), Type.Literal('expired'), Type.Literal('unknown')]);
const Verification = Type.Object({
  id: Type.String(), status: CertificateStatus, signatureValid: Type.Boolean(),
  typeName: Type.Optional(Type.String()), issuerName: Type.Optional(Type.String()), issuedAt: Type.Optional(Type.String()), keyId: Type.Optional(Type.String()),
});
const CertificateDocument = Type.Composite([Verification, Type.Object({ document: Type.Unknown({ description: '签名的证照文档（含持证人与证照数据）' }) })]);
const HolderCertificate = Type.Object({ id: Type.String(), type: Type.String(), typeName: Type.String(), department: Type.String(), issuerName: Type.String(), status: Type.String(), issuedAt: Type.String() });
const CaseStatusView = Type.Object({
  caseNumber: Type.String(), itemCode: Type.String(), itemName: Type.String(), department: Type.String(), status: Type.String(), statusText: Type.String(),
  receivedAt: Type.String(), updatedAt: Type.String(), certificateId: Nullable(Type.String()),
  applicantName: Type.Optional(Type.String({ description: '仅当客户端具有 case:applicant 授权范围时返回' })),
});
const CatalogItem = Type.Object({ code: Type.String(), version: Type.Integer(), name: Type.String(), department: Type.String(), publication: Type.Unknown() });
const PersonView = Type.Object({
  idNumber: Type.String({ description: '默认打码，具有 idnumber:plain 时为原文' }), name: Type.String(), gender: Type.String(), birthDate: Type.String(),
  ethnicity: Type.Optional(Nullable(Type.String())), address: Type.Optional(Nullable(Type.String())), regionCode: Type.Optional(Nullable(Type.String())),
});
const EnterpriseView = Type.Object({
  creditCode: Type.String(), name: Type.String(), kind: Type.String(), status: Type.String(), establishedOn: Nullable(Type.String()),
  legalRepresentative: Type.Optional(Nullable(Type.String())), legalRepresentativeIdNumber: Type.Optional(Nullable(Type.String())),
  registeredCapital: Type.Optional(Nullable(Type.String())), address: Type.Optional(Nullable(Type.String())),
});
const CertificateIdParams = StrictObject({ id: Type.String({ minLength: 10, maxLength: 128, description: 'GB/T 36904 证照标识' }) });

interface DownstreamVerification { id: string; status: 'valid' | 'revoked' | 'expired' | 'unknown'; signatureValid: boolean; keyId?: string; document?: { typeName?: string; issuer?: { name?: string }; issuedAt?: string } }
interface DownstreamCase { caseNumber: string; itemCode: string; itemName: string; department: string; status: string; statusText: string; receivedAt: string; updatedAt: string; certificateId: string | null; applicantName?: string }
interface DownstreamItem { code: string; version: number; name: string; department: string; publication: unknown }

const date = (d: Date | null) => (d ? d.toISOString().slice(0, 10) : null);

export const clientApi: HttpPlugin<ClientApiOptions> = async (app, opts) => {
  const registries = registryRepository(opts.db);
  const limit = app.rateLimit({
    max: (req) => opts.rateLimit.perClient[req.principal.sub] ?? opts.rateLimit.max, timeWindow: opts.rateLimit.windowMs,
    // After app.authenticate: the key is the verified client id, never something the caller can choose.
    keyGenerator: (req) => `client:${req.principal.sub}`,
    errorResponseBuilder: (_req, ctx) => Problems.tooManyRequests('too_many_requests', '请求过于频繁，请稍后再试', `每个客户端每 ${Math.round(opts.rateLimit.windowMs / 1000)} 秒最多调用 ${ctx.max} 次`, {
      headers: { 'retry-after': String(Math.max(1, Math.ceil(ctx.ttl / 1000))) },
    }),
  }) as preHandlerAsyncHookHandler;
  const guard = (scope: Scope) => [app.authenticate, requireRealm('client'), limit, requireScope(scope)];
  // OpenAPI: the scope each operation needs, as an OAuth 2 client-credentials requirement.
  const security = (scope: Scope) => [{ clientCredentials: [scope] }];
  app.addHook('onSend', auditHook(auditRepository(opts.db)));

  const forward = (req: FastifyRequest) => ({ requestId: req.id, correlationId: req.correlationId });
  /** Downstream refusals keep their meaning; anything unexpected is not passed on verbatim. */
  const refused = (upstream: string, a: UpstreamAnswer<unknown>) => {
    const body = a.body as { code?: string; title?: string; detail?: string } | null;
    if (a.status === 401 || a.status === 403) return Problems.forbidden('upstream_forbidden', '业务系统拒绝了此客户端的访问', `${upstream}: ${body?.detail ?? body?.code ?? a.status}`);
    if (a.status === 400 && body?.code) return Problems.badRequest(body.code, body.title ?? '请求参数不正确', body.detail);
    return Problems.unavailable('upstream_unavailable', '依赖的业务系统暂不可用，请稍后再试', `${upstream} 返回 ${a.status}`, { extra: { upstream } });
  };

  const verify = async (req: FastifyRequest, id: string) => {
    const a = await opts.upstreams.certificate.get<DownstreamVerification>(`/v1/certificates/${encodeURIComponent(id)}/verify`, forward(req));
    if (a.status !== 200) throw refused('certificate', a);
    const v = a.body;
    auditResult(req, v.status === 'unknown' ? [] : [v.id]);
    return { v, summary: { id: v.id, status: v.status, signatureValid: v.signatureValid, keyId: v.keyId, typeName: v.document?.typeName, issuerName: v.document?.issuer?.name, issuedAt: v.document?.issuedAt } };
  };

  app.get('/certificates/:id/verify', {
    preHandler: guard('certificate:verify'),
    schema: {
      summary: '核验电子证照', description: '证照状态与签名是否有效；不含持证人信息与证照数据。', tags: ['电子证照'], security: security('certificate:verify'),
      params: CertificateIdParams, querystring: PurposeQuery, response: { 200: Verification, ...Errors },
    },
  }, async (req) => (await verify(req, req.params.id)).summary);

  // By QR payload (the verification address printed on the certificate's PDF); the certificate service parses it.
  app.get('/certificates/verify', {
    preHandler: guard('certificate:verify'),
    schema: {
      summary: '按二维码核验电子证照', description: '二维码内容（证照上的核验地址）；结果同按证照标识核验。', tags: ['电子证照'], security: security('certificate:verify'),
      querystring: StrictObject({ qr: Type.String({ minLength: 10, maxLength: 1000, description: '二维码内容' }), purpose: Type.Optional(Purpose) }), response: { 200: Verification, ...Errors },
    },
  }, async (req) => {
    const a = await opts.upstreams.certificate.get<DownstreamVerification>('/v1/certificates/verify', { ...forward(req), query: { qr: req.query.qr } });
    if (a.status !== 200) throw refused('certificate', a);
    const v = a.body;
    auditResult(req, v.status === 'unknown' ? [] : [v.id]);
    return { id: v.id, status: v.status, signatureValid: v.signatureValid, keyId: v.keyId, typeName: v.document?.typeName, issuerName: v.document?.issuer?.name, issuedAt: v.document?.issuedAt };
  });

  app.get('/certificates/:id', {
    preHandler: guard('certificate:read'),
    schema: {
      summary: '按证照标识读取电子证照', description: '签名的证照文档（含持证人与证照数据）及核验结果。', tags: ['电子证照'], security: security('certificate:read'),
      params: CertificateIdParams, querystring: PurposeQuery, response: { 200: CertificateDocument, ...Errors },
    },
  }, async (req) => {
    const { v, summary } = await verify(req, req.params.id);
    if (v.status === 'unknown') throw Problems.notFound('certificate_not_found', '电子证照不存在');
    return { ...summary, document: v.document };
  });

  app.get('/holders/:holderId/certificates', {
    preHandler: guard('certificate:holder-lookup'),
    schema: {
      summary: '按持证人查询电子证照', description: '须具有 certificate:holder-lookup 授权范围，并以 purpose 说明合法用途（记入调用审计），否则拒绝。持证人为统一身份认证账号标识。',
      tags: ['电子证照'], security: security('certificate:holder-lookup'),
      params: StrictObject({ holderId: Type.String({ minLength: 1, maxLength: 64, description: '持证人的统一身份认证账号标识' }) }),
      // Optional in the schema so that a missing purpose gets its own stable code, not validation_failed.
      querystring: StrictObject({ purpose: Type.Optional(Purpose) }),
      response: { 200: Type.Object({ items: Type.Array(HolderCertificate) }), ...Errors },
    },
  }, async (req) => {
    if (!req.query.purpose?.trim()) throw Problems.badRequest('purpose_required', '按持证人查询须说明合法用途', '请以 purpose 参数说明调用目的及法律依据');
    const a = await opts.upstreams.certificate.get<{ items: Array<typeof HolderCertificate.static> }>(`/v1/holders/${encodeURIComponent(req.params.holderId)}/certificates`, { ...forward(req), query: { purpose: req.query.purpose } });
    if (a.status !== 200) throw refused('certificate', a);
    auditResult(req, a.body.items.map((c) => c.id));
    return a.body;
  });

  app.get('/cases/:caseNumber/status', {
    preHandler: guard('case:status'),
    schema: {
      summary: '按办件编号查询办件状态', description: '申请人姓名仅对具有 case:applicant 授权范围的客户端返回。', tags: ['办件'], security: security('case:status'),
      params: StrictObject({ caseNumber: Type.String({ minLength: 5, maxLength: 64, pattern: '^[A-Za-z0-9-]+$' }) }), querystring: PurposeQuery,
      response: { 200: CaseStatusView, ...Errors },
    },
  }, async (req) => {
    const a = await opts.upstreams.approval.get<DownstreamCase>(`/v1/cases/by-number/${encodeURIComponent(req.params.caseNumber)}/status`, forward(req));
    if (a.status === 404) throw Problems.notFound('case_not_found', '办件不存在');
    if (a.status !== 200) throw refused('approval', a);
    auditResult(req, [a.body.caseNumber]);
    return pickFields(a.body, { applicantName: hasScope(req.principal.scopes, 'case:applicant') }) as typeof CaseStatusView.static;
  });

  app.get('/catalog/items', {
    preHandler: guard('catalog:read'),
    schema: {
      summary: '已发布的事项目录', tags: ['事项目录'], security: security('catalog:read'),
      querystring: StrictObject({ ...PageQuery, purpose: Type.Optional(Purpose) }), response: { 200: PageOf(CatalogItem), ...Errors },
    },
  }, async (req) => {
    const a = await opts.upstreams.catalog.get<{ items: DownstreamItem[]; total: number }>('/v1/items', { ...forward(req), query: { status: 'published', page: req.query.page, pageSize: req.query.pageSize } });
    if (a.status !== 200) throw refused('catalog', a);
    auditResult(req, a.body.items.map((i) => `${i.code}@${i.version}`));
    return { items: a.body.items.map((i) => ({ code: i.code, version: i.version, name: i.name, department: i.department, publication: i.publication })), total: a.body.total, page: req.query.page, pageSize: req.query.pageSize };
  });

  // POST, so that the ID number travels in the body rather than in URLs that proxies and logs keep.
  app.post('/registries/population/lookup', {
    preHandler: guard('basedata:population'),
    schema: {
      summary: '人口库：按身份证号码查询', description: '基本字段：姓名、性别、出生日期；basedata:population-detail 另含民族、住址、行政区划；身份证号码默认打码。', tags: ['基础库'], security: security('basedata:population'),
      querystring: PurposeQuery, body: StrictObject({ idNumber: Type.String({ minLength: 1, maxLength: 32 }) }), response: { 200: PersonView, ...Errors },
    },
  }, async (req) => {
    const idNumber = req.body.idNumber.trim().toUpperCase();
    const problem = idNumberProblem(idNumber);
    if (problem) throw Problems.badRequest('id_number_invalid', '身份证号码不正确', problem);
    const p = await registries.findPerson(idNumber);
    if (!p) throw Problems.notFound('person_not_found', '人口库中无此人');
    auditResult(req, [`population:${p.id}`]);
    const detail = hasScope(req.principal.scopes, 'basedata:population-detail');
    return pickFields({ idNumber: idNumberFor(req.principal.scopes, p.idNumber), name: p.name, gender: p.gender, birthDate: date(p.birthDate)!, ethnicity: p.ethnicity, address: p.address, regionCode: p.regionCode },
      { ethnicity: detail, address: detail, regionCode: detail }) as typeof PersonView.static;
  });

  app.get('/registries/enterprises/:creditCode', {
    preHandler: guard('basedata:enterprise'),
    schema: {
      summary: '法人库：按统一社会信用代码查询', description: '基本字段：名称、类型、登记状态、成立日期；basedata:enterprise-detail 另含法定代表人（身份证号码默认打码）、注册资本、住所。', tags: ['基础库'], security: security('basedata:enterprise'),
      params: StrictObject({ creditCode: Type.String({ minLength: 1, maxLength: 32 }) }), querystring: PurposeQuery, response: { 200: EnterpriseView, ...Errors },
    },
  }, async (req) => {
    const creditCode = req.params.creditCode.trim().toUpperCase();
    const problem = creditCodeProblem(creditCode);
    if (problem) throw Problems.badRequest('credit_code_invalid', '统一社会信用代码不正确', problem);
    const e = await registries.findEnterprise(creditCode);
    if (!e) throw Problems.notFound('enterprise_not_found', '法人库中无此单位');
    auditResult(req, [`enterprise:${e.creditCode}`]);
    const detail = hasScope(req.principal.scopes, 'basedata:enterprise-detail');
    return pickFields({
      creditCode: e.creditCode, name: e.name, kind: e.kind, status: e.status, establishedOn: date(e.establishedOn),
      legalRepresentative: e.legalRepresentative, legalRepresentativeIdNumber: e.legalRepresentativeIdNumber ? idNumberFor(req.principal.scopes, e.legalRepresentativeIdNumber) : null,
      registeredCapital: e.registeredCapital, address: e.address,
    }, { legalRepresentative: detail, legalRepresentativeIdNumber: detail, registeredCapital: detail, address: detail }) as typeof EnterpriseView.static;
  });
};
