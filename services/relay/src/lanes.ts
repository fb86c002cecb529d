/**
 * The lanes: which zone they leave, which they enter, which stream they read and which message
 * types they may carry. Anything not on a lane's whitelist is quarantined, never forwarded.
 */
import type { MessageType, Zone } from '@hall/contracts';

export interface LaneDef { name: 'inbound' | 'outbound'; source: Zone; destination: Zone; stream: 'IN' | 'OUT'; types: MessageType[]; maxMessageBytes: number; maxAttachmentBytes: number }

export const LANES: Record<'inbound' | 'outbound', LaneDef> = {
  inbound: { name: 'inbound', source: 'internet', destination: 'extranet', stream: 'IN', types: ['application.submitted'], maxMessageBytes: 1024 * 1024, maxAttachmentBytes: 50 * 1024 * 1024 },
  outbound: { name: 'outbound', source: 'extranet', destination: 'internet', stream: 'OUT', types: ['catalog.item.published', 'case.status.changed', 'certificate.notice'], maxMessageBytes: 1024 * 1024, maxAttachmentBytes: 50 * 1024 * 1024 },
};
