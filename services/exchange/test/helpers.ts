/**
 * Boots the real exchange service (app.ts) together with the real services it reads from —
 * certificate, approval and catalog — on one extranet NATS server, each with its own database,
 * all trusting the same zone signing key. Client tokens carry the exchange's audience, as identity
 * issues them, so only the exchange accepts them; the exchange calls the downstream services with
 * its own service token, from a token endpoint that stands in for identity's client-credentials
 * grant (signed with the same zone key, the exchange's credentials checked).
 */
import fs from 'node:fs';
import { randomBytes, randomUUID } from 'node:crypto';
import Fastify from 'fastify';
import { createTokenSigner, exchangeAudience, type SigningAlg } from '@hall/auth';
import type { Static } from '@sinclair/typebox';
import { startService, type RunningService } from '@hall/service';
import { createServiceEnv, type ServiceEnv } from '@hall/testkit/service-env';
import { freePort, startOrCleanup, waitFor } from '@hall/testkit';
import { definition, type ExchangeConfig } from '../src/app.js';
import type { Db } from '../src/db.js';
import { DOWNSTREAM_SCOPES, type Scope } from '../src/scopes.js';
import { definition as certificateDefinition } from '../../certificate/src/app.js';
import { certificateService } from '../../certificate/src/issuer.js';
import { definition as approvalDefinition } from '../../approval/src/app.js';
import { definition as catalogDefinition } from '../../catalog/src/app.js';

type Svc = RunningService<unknown, any>;

export interface Downstream { name: 'certificate' | 'approval' | 'catalog'; env: ServiceEnv; port: number; svc: Svc | null; start(): Promise<void>; stop(): Promise<void> }

export interface Harness {
  exchange: RunningService<Static<typeof ExchangeConfig>, Db>;
  /** The environment whose key signs every token (the zone's identity, in tests). */
  env: ServiceEnv;
  downstream: Partial<Record<Downstream['name'], Downstream>>;
  /** The exchange's service identity as the stand-in token endpoint issues it (zone audience). */
  serviceToken(): { authorization: string };
  /** Service tokens handed out so far. */
  serviceTokensIssued(): number;
  /** A client token with the scopes (exchange audience), for a fresh client id unless one is given. */
  client(scopes: Scope[], sub?: string): { authorization: string };
  staff(roles?: string[]): { authorization: string };
  close(): Promise<void>;
}

let clients = 0;

const DEFINITIONS = { certificate: certificateDefinition, approval: approvalDefinition, catalog: catalogDefinition } as const;

export async function startExchange(opts: { with?: Downstream['name'][]; env?: Record<string, string> } = {}): Promise<Harness> {
  const env = await createServiceEnv({ zone: 'extranet', natsUser: 'exchange' });
  const downstream: Harness['downstream'] = {};
  let identity: { close(): Promise<unknown> } | undefined;
  const close = async () => {
    await identity?.close();
    for (const d of Object.values(downstream)) { await d.stop(); await d.env.cleanup(); }
    await env.cleanup();
  };
  return startOrCleanup({ cleanup: close }, async () => {
    const urls: Record<string, string> = {};
    for (const name of ['certificate', 'approval', 'catalog'] as const) {
      const port = await freePort();
      urls[name] = `http://127.0.0.1:${port}`;
      if (!opts.with?.includes(name)) continue;
      // Same NATS server and the same trusted key as exchange: one zone.
      const denv = await createServiceEnv({ zone: 'extranet', natsUser: name, nats: env.nats, objectStore: name === 'certificate' || name === 'approval', env: { AUTH_PUBLIC_KEYS_FILE: env.env.AUTH_PUBLIC_KEYS_FILE!, PORT: String(port), SEED_DEMO: 'false' } });
      const d: Downstream = {
        name, env: denv, port, svc: null,
        start: async () => { d.svc = (await startService(DEFINITIONS[name] as never, denv.env)) as Svc; },
        stop: async () => { const s = d.svc; d.svc = null; await s?.stop(); },
      };
      downstream[name] = d;
      await d.start();
    }
    // Identity's client-credentials grant, for the exchange's own credentials only.
    const key = JSON.parse(fs.readFileSync(env.env.AUTH_SIGNING_KEY_FILE!, 'utf8')) as { kid: string; alg: SigningAlg; privateKeyPem: string };
    const signer = createTokenSigner({ privateKeyPem: key.privateKeyPem, kid: key.kid, alg: key.alg, issuer: env.env.AUTH_ISSUER!, audience: env.env.AUTH_AUDIENCE!, ttlSeconds: 600 });
    const secret = randomBytes(24).toString('hex');
    const serviceToken = () => signer.sign({ sub: 'hall-exchange', realm: 'client', name: '数据交换平台', roles: ['exchange_service'], scopes: [...DOWNSTREAM_SCOPES] });
    let issued = 0;
    const tokenEndpoint = Fastify();
    identity = tokenEndpoint;
    tokenEndpoint.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_r, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))));
    tokenEndpoint.post('/v1/oauth/token', async (req, reply) => {
      if (req.headers.authorization !== `Basic ${Buffer.from(`hall-exchange:${secret}`).toString('base64')}`) return reply.code(401).send({ code: 'invalid_client' });
      issued++;
      return { access_token: serviceToken(), token_type: 'Bearer', expires_in: 600, scope: (req.body as { scope: string }).scope };
    });
    await tokenEndpoint.listen({ host: '127.0.0.1', port: 0 });
    const identityPort = (tokenEndpoint.server.address() as { port: number }).port;
    const exchange = (await startService(definition, {
      ...env.env, CERTIFICATE_URL: urls.certificate!, APPROVAL_URL: urls.approval!, CATALOG_URL: urls.catalog!,
      SERVICE_TOKEN_URL: `http://127.0.0.1:${identityPort}/v1/oauth/token`, SERVICE_CLIENT_SECRET: secret,
      // Generous for loaded CI machines; the breaker test narrows them.
      UPSTREAM_TIMEOUT_MS: '5000', BREAKER_RESET_MS: '1000', BREAKER_VOLUME: '10', RATE_LIMIT_MAX: '30', ...opts.env,
    })) as RunningService<Static<typeof ExchangeConfig>, Db>;
    const clientAudience = exchangeAudience(env.env.AUTH_AUDIENCE!);
    return {
      exchange, env, downstream,
      serviceToken: () => ({ authorization: `Bearer ${serviceToken()}` }),
      serviceTokensIssued: () => issued,
      client: (scopes, sub) => ({ authorization: `Bearer ${signer.sign({ sub: sub ?? `client-${process.pid}-${++clients}`, realm: 'client', name: '测试部门系统', roles: [], scopes }, { audience: clientAudience })}` }),
      staff: (roles = ['supervisor']) => ({ authorization: `Bearer ${env.token({ sub: `staff-${++clients}`, realm: 'staff', name: '监察员', roles, department: 'gy-jcj' })}` }),
      close: async () => { await exchange.stop(); await close(); },
    };
  });
}

/** Issues a certificate in the certificate service as its consumer would; returns its id. */
export async function issueCertificate(h: Harness, holderId: string): Promise<string> {
  const prisma = h.downstream.certificate!.svc!.ctx.prisma;
  // The issuing department as the catalog would have published it; without it issue() refuses with issuer_unknown.
  await prisma.$transaction((tx: never) => certificateService(prisma).receiveIssuer(tx, { department: 'gy-wjw', name: '涡阳县卫生健康委员会', creditCode: '11341621MB1234567X', keyPolicy: 'on_first_use', version: 1, publishedAt: new Date().toISOString() }));
  const result = await prisma.$transaction((tx: never) => certificateService(prisma).issue(tx, {
    caseId: randomUUID(), caseNumber: `GY-WJW-20261126-${String(Math.floor(Math.random() * 1e6)).padStart(6, '0')}`, applicationId: randomUUID(),
    certificateType: 'birth-service-certificate', department: 'gy-wjw', holder: { accountId: holderId, name: '周梦婕' }, data: { 女方姓名: '周梦婕', 孩次: 1 },
  }, randomUUID()));
  if (result.status !== 'issued') throw new Error(`certificate refused: ${JSON.stringify(result)}`);
  return result.certificate.id;
}

/** A case in the approval service, as its inbound consumer would have created it. */
export async function createCase(h: Harness, caseNumber: string): Promise<void> {
  const at = new Date();
  await h.downstream.approval!.svc!.ctx.prisma.case.create({
    data: {
      id: randomUUID(), caseNumber, applicationId: randomUUID(), receiptNo: 'SB2026112600000001', itemCode: 'T-ITEM-002', itemVersion: 1, itemName: '生育登记', department: 'gy-wjw',
      applicant: { accountId: randomUUID(), name: '周梦婕', kind: 'person' }, form: {}, materials: [], status: 'accepted', receivedAt: at, updatedAt: at,
    },
  });
}

export { waitFor };
