/**
 * E-certificates (电子证照), extranet: issues a signed certificate when approval asks for one,
 * and answers verification (by identifier) with the status and an offline-checkable signature.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Type } from '@sinclair/typebox';
import { Problems, ProblemSchema, StrictObject } from '@hall/http';
import { requireRealm, requireScope, type AuthHandler } from '@hall/auth';
import { consume, handleOnce } from '@hall/messaging';
import { extendConfig, type ServiceDefinition } from '@hall/service';
import type { CertificateRequested } from '@hall/contracts';
import { createPrisma, type Db } from './db.js';
import { certificateService } from './issuer.js';
import { isValidIdentifier } from './identifier.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const CertificateConfig = extendConfig({});

export const definition: ServiceDefinition<typeof CertificateConfig, Db> = {
  name: 'certificate',
  configSchema: CertificateConfig,
  migrationsDir: path.resolve(here, '../prisma/migrations'),
  createPrisma,
  auth: true,
  async routes(app, ctx) {
    const certificates = certificateService(ctx.prisma);
    const IdParams = Type.Object({ id: Type.String({ minLength: 10, maxLength: 128 }) });
    // Staff, or another department's system (realm client, via the data-exchange service) holding one of the scopes.
    const staffOrClientWith = (...scopes: string[]): AuthHandler => async (req, reply) => {
      if (req.principal.realm !== 'client') return requireRealm('staff')(req, reply);
      if (!scopes.some((s) => req.principal.scopes?.includes(s))) await requireScope(scopes[0]!)(req, reply);
    };

    app.get('/v1/certificates/:id/verify', {
      preHandler: [app.authenticate, staffOrClientWith('certificate:verify', 'certificate:read')],
      schema: { params: IdParams, response: { 200: Type.Object({ id: Type.String(), status: Type.String(), signatureValid: Type.Boolean(), keyId: Type.Optional(Type.String()), document: Type.Optional(Type.Any()) }), 400: ProblemSchema } },
    }, async (req) => {
      if (!isValidIdentifier(req.params.id)) throw Problems.badRequest('certificate_id_invalid', '证照标识格式或校验位不正确');
      const r = await certificates.verify(req.params.id);
      return { id: req.params.id, ...r };
    });

    // A holder's certificates (holder = the holder's unified identity account id). A client must state its purpose.
    app.get('/v1/holders/:holderId/certificates', {
      preHandler: [app.authenticate, staffOrClientWith('certificate:holder-lookup')],
      schema: {
        params: StrictObject({ holderId: Type.String({ minLength: 1, maxLength: 64 }) }),
        querystring: StrictObject({ purpose: Type.Optional(Type.String({ minLength: 2, maxLength: 500 })) }),
        response: { 200: Type.Object({ items: Type.Array(Type.Object({ id: Type.String(), type: Type.String(), typeName: Type.String(), department: Type.String(), issuerName: Type.String(), status: Type.String(), issuedAt: Type.String() })) }), 400: ProblemSchema, 403: ProblemSchema },
      },
    }, async (req) => {
      if (req.principal.realm === 'client' && !req.query.purpose) throw Problems.badRequest('purpose_required', '按持证人查询须说明合法用途');
      return { items: await certificates.byHolder(req.params.holderId) };
    });

    // Public keys are public: anyone may verify a certificate offline with them.
    app.get('/v1/keys', { schema: { response: { 200: Type.Object({ keys: Type.Array(Type.Object({ kid: Type.String(), department: Type.String(), algorithm: Type.String(), publicKeyPem: Type.String(), active: Type.Boolean() })) }) } } }, async () => ({ keys: await certificates.publicKeys() }));
  },
  async start(ctx) {
    const certificates = certificateService(ctx.prisma);
    const consumer = await consume({
      nc: ctx.nc, stream: 'X', durable: 'certificate', filterSubjects: ['hall.x.certificate.requested'], logger: ctx.logger,
      handler: async (m) => {
        await handleOnce(ctx.prisma, 'certificate', m.id, async (tx) => { await certificates.issue(tx, (m as CertificateRequested).payload); });
        ctx.outbox.notify();
      },
    });
    ctx.onStop(() => consumer.stop());
  },
};
