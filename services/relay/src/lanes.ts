/**
 * The lanes: which zone they leave, which they enter, which stream they read and which message
 * types they may carry. Anything not on a lane's whitelist is quarantined, never forwarded.
 * Each lane also carries the *other* lane's reconciliation reports (a diode cannot answer on the
 * wire it listens to, so a receiver's "received up to / missing" travels the opposite lane).
 */
import type { MessageType, Zone } from '@hall/contracts';

export type LaneName = 'inbound' | 'outbound';

export interface LaneDef {
  name: LaneName;
  source: Zone;
  destination: Zone;
  /** The stream the sender reads in the source zone and the receiver writes in the destination. */
  stream: 'IN' | 'OUT';
  types: MessageType[];
  maxMessageBytes: number;
  maxAttachmentBytes: number;
  /** Attachment types (sniffed from the bytes) the destination zone accepts at all. */
  allowedContentTypes: string[];
  /** The report this lane's receiver publishes (it travels the opposite lane back to this lane's sender). */
  report: { type: 'relay.inbound.reconciliation' | 'relay.outbound.reconciliation'; subject: string; stream: 'IN' | 'OUT'; durable: string };
  /** Where the receiver learns each item's allowed types per material (the destination zone's catalog publications). */
  itemTypes?: { stream: 'OUT'; durable: string; subject: string };
}

const MATERIAL_TYPES = ['image/png', 'image/jpeg', 'application/pdf', 'image/tiff', 'image/gif', 'image/bmp'];

export const LANES: Record<LaneName, LaneDef> = {
  inbound: {
    name: 'inbound', source: 'internet', destination: 'extranet', stream: 'IN',
    types: ['application.submitted', 'application.supplemented', 'application.withdrawn', 'evaluation.submitted', 'complaint.filed', 'payment.settled', 'payment.refunded', 'consultation.asked', 'relay.outbound.reconciliation'],
    maxMessageBytes: 1024 * 1024, maxAttachmentBytes: 50 * 1024 * 1024, allowedContentTypes: MATERIAL_TYPES,
    report: { type: 'relay.inbound.reconciliation', subject: 'hall.out.relay.inbound.reconciliation', stream: 'OUT', durable: 'relay-inbound-reconciliation' },
    itemTypes: { stream: 'OUT', durable: 'relay-inbound-items', subject: 'hall.out.catalog.item.published' },
  },
  outbound: {
    name: 'outbound', source: 'extranet', destination: 'internet', stream: 'OUT',
    types: ['catalog.item.published', 'catalog.calendar.published', 'case.status.changed', 'certificate.notice', 'certificate.record', 'certificate.revoked', 'openness.article.published', 'openness.article.withdrawn', 'complaint.answered', 'payment.ordered', 'consultation.answered', 'relay.inbound.reconciliation'],
    maxMessageBytes: 1024 * 1024, maxAttachmentBytes: 50 * 1024 * 1024, allowedContentTypes: MATERIAL_TYPES,
    report: { type: 'relay.outbound.reconciliation', subject: 'hall.in.relay.outbound.reconciliation', stream: 'IN', durable: 'relay-outbound-reconciliation' },
  },
};
