/** Builds a valid envelope for a message type; validation happens here so bad messages never leave. */
import { randomUUID } from 'node:crypto';
import type { AttachmentRef, Zone } from './envelope.js';
import { Messages, ContractError, type MessageType, type MessageOf } from './registry.js';

export function buildMessage<T extends MessageType>(
  type: T,
  args: { zone: Zone; correlationId: string; payload: MessageOf<T>['payload']; attachments?: AttachmentRef[]; id?: string; occurredAt?: Date },
): MessageOf<T> {
  const d = Messages[type];
  const msg = {
    id: args.id ?? randomUUID(),
    type,
    version: d.version,
    correlationId: args.correlationId,
    zone: args.zone,
    occurredAt: (args.occurredAt ?? new Date()).toISOString(),
    ...(args.attachments && args.attachments.length > 0 ? { attachments: args.attachments } : {}),
    payload: args.payload,
  };
  if (!d.check.Check(msg)) throw new ContractError(type, [...d.check.Errors(msg)].map((e) => ({ path: e.path, message: e.message })));
  return msg as MessageOf<T>;
}
