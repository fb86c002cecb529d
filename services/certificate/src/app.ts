/**
 * E-certificates (电子证照), extranet: issues a signed certificate when approval asks for one,
 * and answers verification (by identifier) with the status and an offline-checkable signature.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Type } from '@sinclair/typebox';
import { Problems, ProblemSchema } from '@hall/http';
import { requireRealm } from '@hall/auth';
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

    app.get('/v1/certificates/:id/verify', {
      preHandler: [app.authenticate, requireRealm('staff')],
      schema: { params: IdParams, response: { 200: Type.Object({ id: Type.String(), status: Type.String(), signatureValid: Type.Boolean(), keyId: Type.Optional(Type.String()), document: Type.Optional(Type.Any()) }), 400: ProblemSchema } },
    }, async (req) => {
      if (!isValidIdentifier(req.params.id)) throw Problems.badRequest('certificate_id_invalid', '证照标识格式或校验位不正确');
      const r = await certificates.verify(req.params.id);
      return { id: req.params.id, ...r };
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
