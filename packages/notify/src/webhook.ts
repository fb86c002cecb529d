/**
 * A real provider's sender: POSTs each message as JSON to an SMS/e-mail gateway (the province's
 * 短信平台 or any HTTP relay in front of a provider). The notification id goes along as
 * `Idempotency-Key`, so a retry after a lost answer does not text the person twice at a gateway
 * that honours it. Any answer other than 2xx, or no answer within the timeout, throws: the
 * dispatcher keeps the row and retries it with backoff.
 */
import type { Notification, NotificationSender } from './index.js';

export interface WebhookSenderOptions {
  url: string;
  /** Sent as `Authorization: Bearer <token>` when set. */
  token?: string;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export function createWebhookSender(opts: WebhookSenderOptions): NotificationSender {
  const doFetch = opts.fetch ?? fetch;
  return {
    async send(n: Notification) {
      const res = await doFetch(opts.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': n.id, ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}) },
        body: JSON.stringify({ id: n.id, channel: n.channel, recipient: n.recipient, subject: n.subject, body: n.body }),
        signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
      });
      if (!res.ok) throw new Error(`notification gateway answered ${res.status}`);
    },
  };
}
