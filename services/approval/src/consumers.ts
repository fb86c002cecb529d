/**
 * Approval's consumers: item publications (OUT stream of the extranet, for the item's department
 * and certificate type), inbound applications (IN), and certificate issuance (X) which completes
 * the case. An application whose item version is not known yet is retried (nak), never dropped.
 */
import { consume, handleOnce } from '@hall/messaging';
import type { ServiceContext } from '@hall/service';
import type { ApplicationSubmitted, CertificateIssued, ItemPublished } from '@hall/contracts';
import type { Db } from './db.js';
import { caseRepository, SYSTEM, TransitionError } from './cases.js';

export class ItemNotYetKnown extends Error {}

export async function startConsumers(ctx: ServiceContext<unknown, Db>): Promise<() => Promise<void>> {
  const cases = caseRepository(ctx.prisma);
  const catalog = await consume({
    nc: ctx.nc, stream: 'OUT', durable: 'approval-catalog', filterSubjects: ['hall.out.catalog.item.published'], logger: ctx.logger,
    handler: async (m) => { await handleOnce(ctx.prisma, 'approval-catalog', m.id, (tx) => cases.saveItem(tx, (m as ItemPublished).payload)); },
  });
  const inbound = await consume({
    nc: ctx.nc, stream: 'IN', durable: 'approval', filterSubjects: ['hall.in.application.submitted'], logger: ctx.logger, concurrency: 8,
    handler: async (m) => {
      await handleOnce(ctx.prisma, 'approval', m.id, async (tx) => {
        const created = await cases.createFromApplication(tx, m as ApplicationSubmitted);
        if (!created) throw new ItemNotYetKnown(`item ${(m as ApplicationSubmitted).payload.itemCode} not yet published here`);
      });
      ctx.outbox.notify();
    },
  });
  const certificates = await consume({
    nc: ctx.nc, stream: 'X', durable: 'approval-certificates', filterSubjects: ['hall.x.certificate.issued'], logger: ctx.logger,
    handler: async (m) => {
      const p = (m as CertificateIssued).payload;
      await handleOnce(ctx.prisma, 'approval-certificates', m.id, async (tx) => {
        try {
          await cases.transition({ caseId: p.caseId, from: ['approved'], to: 'completed', action: 'complete', actor: SYSTEM, certificateId: p.certificateId }, tx);
        } catch (err) {
          // A case already completed (e.g. a re-issued certificate) needs no second completion.
          if (!(err instanceof TransitionError && err.reason === 'invalid_transition')) throw err;
        }
      });
      ctx.outbox.notify();
    },
  });
  return async () => { await Promise.all([catalog.stop(), inbound.stop(), certificates.stop()]); };
}
