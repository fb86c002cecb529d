/**
 * What declaration consumes from the OUTBOUND lane (stream OUT in the internet zone): item
 * publications for the replica, case status for the timeline, certificate notices. Each message is
 * handled once (inbox) and its effects commit with the inbox row.
 */
import { consume, handleOnce } from '@hall/messaging';
import type { ServiceContext } from '@hall/service';
import type { ItemPublished, CaseStatusChanged, CertificateNotice, ConsultationAnswered } from '@hall/contracts';
import type { Db } from './db.js';
import { replicaRepository, applicationRepository } from './repository.js';
import { consultationRepository } from './consultations.js';
import { applyOpennessMessage } from './openness-consumers.js';

export async function startConsumers(ctx: ServiceContext<unknown, Db>): Promise<() => Promise<void>> {
  const replica = replicaRepository(ctx.prisma);
  const applications = applicationRepository(ctx.prisma, { portalUrl: (ctx.config as { PORTAL_PUBLIC_URL?: string }).PORTAL_PUBLIC_URL });
  const consultations = consultationRepository(ctx.prisma);
  const consumer = await consume({
    nc: ctx.nc, stream: 'OUT', durable: 'declaration', logger: ctx.logger, concurrency: 8,
    handler: async (message) => {
      await handleOnce(ctx.prisma, 'declaration', message.id, async (tx) => {
        if (await applyOpennessMessage(tx, message)) return; // issue 13: openness, complaint answers, payment orders
        switch (message.type) {
          case 'catalog.item.published': return replica.upsert(tx, (message as ItemPublished).payload);
          case 'case.status.changed': return applications.applyStatus(tx, message.id, (message as CaseStatusChanged).payload);
          case 'certificate.notice': return applications.applyCertificate(tx, message.id, (message as CertificateNotice).payload);
          case 'consultation.answered': return consultations.applyAnswer(tx, (message as ConsultationAnswered).payload);
          // The relay's reconciliation reports share the OUT stream; they are the lane's business.
          default: if (message.type.startsWith('relay.')) return; ctx.logger.warn({ type: message.type }, 'ignored message type on OUT');
        }
      });
    },
  });
  return () => consumer.stop();
}
