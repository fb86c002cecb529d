/**
 * Publishes contract-checked messages to JetStream. The message id is the `Nats-Msg-Id`, so the
 * stream drops a re-publish of the same message within its dedupe window (2 minutes) — this is
 * what makes the outbox's "publish, then mark sent" safe when a crash falls in between.
 */
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import { headers, type NatsConnection } from '@nats-io/nats-core';
import { Messages, validateMessage, type MessageOf, type MessageType } from '@hall/contracts';

export type AnyMessage = MessageOf<MessageType>;

export const HEADER_TYPE = 'Hall-Type';
export const HEADER_CORRELATION_ID = 'Hall-Correlation-Id';
export const HEADER_MSG_ID = 'Nats-Msg-Id';

export interface PublishResult {
  seq: number;
  duplicate: boolean;
}

export interface Publisher {
  publish(message: unknown): Promise<PublishResult>;
}

const encoder = new TextEncoder();

/**
 * The correlation id as a header value. The contract allows any string, but NATS refuses CR or LF
 * in a header: such a message (it arrived over a lane) could never be re-published and would be
 * retried forever, found by the bad-input suite. The header is informational (the envelope keeps
 * the exact value), so an unsafe value is percent-encoded there.
 */
export function headerValue(v: string): string {
  return /[\r\n\u0000]/.test(v) ? encodeURIComponent(v) : v;
}

/** Encodes and sends one already validated message; shared by the publisher and the outbox. */
export async function publishValidated(js: JetStreamClient, message: AnyMessage, opts: { timeoutMs?: number } = {}): Promise<PublishResult> {
  const h = headers();
  h.set(HEADER_MSG_ID, message.id);
  h.set(HEADER_TYPE, message.type);
  h.set(HEADER_CORRELATION_ID, headerValue(message.correlationId));
  const ack = await js.publish(Messages[message.type].subject, encoder.encode(JSON.stringify(message)), {
    msgID: message.id,
    headers: h,
    ...(opts.timeoutMs ? { timeout: opts.timeoutMs } : {}),
  });
  return { seq: ack.seq, duplicate: ack.duplicate };
}

export function createPublisher(nc: NatsConnection, opts: { timeoutMs?: number } = {}): Publisher {
  const js = jetstream(nc);
  return {
    async publish(message: unknown) {
      // Throws ContractError before anything leaves the process.
      const valid = validateMessage(message);
      return publishValidated(js, valid, opts);
    },
  };
}
