/**
 * Approval's consumers: item publications (OUT stream of the extranet), inbound applications,
 * supplements and withdrawals (IN), certificate issuance (X) which completes the case, and
 * certificate failures (X, 制证失败) which the case shows until an admin retries. Each
 * message is handled once (inbox); an application whose item version is not known yet, or a
 * supplement or withdrawal whose case does not exist yet, is retried (nak), never dropped.
 */
import { consume, handleOnce } from '@hall/messaging';
import type { ServiceContext } from '@hall/service';
import type { ApplicationSubmitted, ApplicationSupplemented, ApplicationWithdrawn, CertificateFailed, CertificateIssued, ItemPublished } from '@hall/contracts';
import type { Db } from './db.js';
import { caseRepository } from './cases.js';
import { createCase, receiveSupplement, withdraw, certificateIssued, certificateFailed } from './engine.js';
import { startPaymentConsumers } from './payment-orders.js';

export class ItemNotYetKnown extends Error {}

export async function startConsumers(ctx: ServiceContext<{ PAYMENT_WAIVER_SWEEP_INTERVAL_MS: number }, Db>): Promise<() => Promise<void>> {
  const cases = caseRepository(ctx.prisma);
  const catalog = await consume({
    nc: ctx.nc, stream: 'OUT', durable: 'approval-catalog', filterSubjects: ['hall.out.catalog.item.published'], logger: ctx.logger,
    handler: async (m) => { await handleOnce(ctx.prisma, 'approval-catalog', m.id, (tx) => cases.saveItem(tx, (m as ItemPublished).payload)); },
  });
  const inbound = await consume({
    nc: ctx.nc, stream: 'IN', durable: 'approval', filterSubjects: ['hall.in.application.submitted'], logger: ctx.logger, concurrency: 8,
    handler: async (m) => {
      await handleOnce(ctx.prisma, 'approval', m.id, async (tx) => {
        const created = await createCase(tx, m as ApplicationSubmitted);
        if (!created) throw new ItemNotYetKnown(`item ${(m as ApplicationSubmitted).payload.itemCode} not yet published here`);
      });
      ctx.outbox.notify();
    },
  });
  // One durable per subject (the zone's nats-server may predate multi-subject filters).
  const fromApplicant = (durable: string, subject: string, handle: (tx: Parameters<Parameters<typeof handleOnce>[3]>[0], m: unknown) => Promise<unknown>) => consume({
    nc: ctx.nc, stream: 'IN', durable, filterSubjects: [subject], logger: ctx.logger,
    handler: async (m) => {
      await handleOnce(ctx.prisma, durable, m.id, async (tx) => { await handle(tx as never, m); });
      ctx.outbox.notify();
    },
  });
  const supplements = await fromApplicant('approval-supplements', 'hall.in.application.supplemented', (tx, m) => receiveSupplement(tx as never, m as ApplicationSupplemented));
  const withdrawals = await fromApplicant('approval-withdrawals', 'hall.in.application.withdrawn', (tx, m) => withdraw(tx as never, m as ApplicationWithdrawn));
  const certificates = await consume({
    nc: ctx.nc, stream: 'X', durable: 'approval-certificates', filterSubjects: ['hall.x.certificate.issued'], logger: ctx.logger,
    handler: async (m) => {
      await handleOnce(ctx.prisma, 'approval-certificates', m.id, async (tx) => { await certificateIssued(tx, (m as CertificateIssued).payload); });
      ctx.outbox.notify();
    },
  });
  // 制证失败: a request the certificate service could not honour is shown on the case (X stream, one filter subject).
  const failures = await consume({
    nc: ctx.nc, stream: 'X', durable: 'approval-certificate-failures', filterSubjects: ['hall.x.certificate.failed'], logger: ctx.logger,
    handler: async (m) => { await handleOnce(ctx.prisma, 'approval-certificate-failures', m.id, async (tx) => { await certificateFailed(tx, (m as CertificateFailed).payload, ctx.clock.now()); }); },
  });
  const stopPayments = await startPaymentConsumers(ctx, ctx.config.PAYMENT_WAIVER_SWEEP_INTERVAL_MS); // issue 13: payment.settled / payment.refunded
  return async () => { await Promise.all([catalog.stop(), inbound.stop(), supplements.stop(), withdrawals.stop(), certificates.stop(), failures.stop(), stopPayments()]); };
}
