/**
 * Durable pull consumption with bounded concurrency. A handler that returns acks the message,
 * one that throws gets it back later (nak with a growing delay), and a message that breaks its
 * contract goes to `onInvalid` and is terminated, so a poison message can never loop forever.
 * The loop outlives NATS disconnects and server restarts: nats.js re-checks the consumer after a
 * reconnect, and if the consume iterator ever ends without `stop()` we open a new one.
 */
import {
  AckPolicy,
  DeliverPolicy,
  jetstream,
  jetstreamManager,
  JetStreamApiError,
  type ConsumerConfig,
  type ConsumerMessages,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { ContractError, Messages, validateMessage } from '@hall/contracts';
import type { Logger } from '@hall/logging';
import type { AnyMessage } from './publisher.js';

export interface ConsumeMeta {
  subject: string;
  /** Stream sequence. */
  seq: number;
  /** How many times this message was delivered before this delivery (0 on the first). */
  redeliveryCount: number;
  headers: Record<string, string>;
}

export interface ConsumeOptions {
  nc: NatsConnection;
  stream: string;
  durable: string;
  /** One subject on nats-server 2.9; several need 2.10+. Omit for the whole stream. */
  filterSubjects?: string[];
  /** Messages handled at the same time (default 8). */
  concurrency?: number;
  /** Deliveries before giving up on a failing message (default unlimited). */
  maxDeliver?: number;
  /** How long the server waits for an ack before redelivering (default 30 s); we extend it while a handler runs. */
  ackWaitMs?: number;
  /** Delay before redelivery after the n-th failed delivery (default 1 s · 2^(n-1), at most 60 s, ±20 %). */
  retryDelayMs?: (deliveryCount: number) => number;
  logger: Logger;
  handler: (message: AnyMessage, meta: ConsumeMeta) => Promise<void>;
  /** Called for messages that break their contract, before they are terminated (e.g. to quarantine them). */
  onInvalid?: (raw: Uint8Array, error: Error, meta: ConsumeMeta) => Promise<void>;
}

export interface ConsumerHandle {
  stop(): Promise<void>;
}

/** After this many failed `onInvalid` attempts an invalid message is terminated anyway. */
const INVALID_MAX_ATTEMPTS = 5;

export function defaultRetryDelayMs(deliveryCount: number): number {
  const base = Math.min(60_000, 1000 * 2 ** Math.max(0, deliveryCount - 1));
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const decoder = new TextDecoder();

class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly limit: number) {}
  async acquire(): Promise<void> {
    if (this.active < this.limit) {
      this.active++;
      return;
    }
    await new Promise<void>((r) => this.waiting.push(r));
  }
  release(): void {
    const next = this.waiting.shift();
    if (next) next(); // the slot passes straight to the waiter
    else this.active--;
  }
}

/**
 * Terminates without a reason on purpose: nats-server before 2.10 only recognises the bare
 * `+TERM` payload and silently ignores `+TERM <reason>`, which would leave the message pending and
 * redeliver it after ack_wait, forever. The reason goes to our log instead.
 */
function term(m: JsMsg): void {
  m.term();
}

function headerRecord(m: JsMsg): Record<string, string> {
  const out: Record<string, string> = {};
  if (m.headers) for (const [k, vs] of m.headers) if (vs[0] !== undefined) out[k] = vs[0];
  return out;
}

export function consumerConfig(opts: Pick<ConsumeOptions, 'durable' | 'filterSubjects' | 'maxDeliver' | 'ackWaitMs'>): Partial<ConsumerConfig> {
  const cfg: Partial<ConsumerConfig> = {
    durable_name: opts.durable,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: (opts.ackWaitMs ?? 30_000) * 1_000_000,
    max_deliver: opts.maxDeliver ?? -1,
  };
  const f = opts.filterSubjects ?? [];
  if (f.length === 1) cfg.filter_subject = f[0];
  else if (f.length > 1) cfg.filter_subjects = f;
  return cfg;
}

/** Creates the durable, or brings an existing one to the wanted settings. */
export async function ensureConsumer(jsm: JetStreamManager, stream: string, cfg: Partial<ConsumerConfig>, log: Logger): Promise<void> {
  try {
    await jsm.consumers.add(stream, cfg);
  } catch (err) {
    // 10013 "consumer name already in use" (2.9) / 10148 "consumer already exists" (2.10+):
    // the durable exists with other settings; update the ones that may change.
    if (err instanceof JetStreamApiError && (err.code === 10013 || err.code === 10148)) {
      const { durable_name: _d, deliver_policy: _p, ...changeable } = cfg;
      try {
        await jsm.consumers.update(stream, cfg.durable_name!, changeable);
      } catch (updateErr) {
        log.warn({ err: updateErr, stream, durable: cfg.durable_name }, 'could not update existing consumer; keeping its settings');
      }
      return;
    }
    throw err;
  }
}

export async function consume(opts: ConsumeOptions): Promise<ConsumerHandle> {
  const concurrency = Math.max(1, opts.concurrency ?? 8);
  const ackWaitMs = opts.ackWaitMs ?? 30_000;
  const retryDelay = opts.retryDelayMs ?? defaultRetryDelayMs;
  const log = opts.logger.child({ stream: opts.stream, durable: opts.durable });
  const cfg = consumerConfig(opts);
  // checkAPI: false — service users are not allowed `$JS.API.INFO`, and it is not needed.
  const jsm = await jetstreamManager(opts.nc, { checkAPI: false });
  const js = jetstream(opts.nc);

  // Creating the consumer up front makes a misconfiguration (no permission, unknown stream)
  // fail the service at start-up instead of looping quietly.
  await ensureConsumer(jsm, opts.stream, cfg, log);

  const sem = new Semaphore(concurrency);
  const inFlight = new Set<Promise<void>>();
  let stopped = false;
  let messages: ConsumerMessages | undefined;
  let recreating: Promise<void> | undefined;
  let wakeLoop: () => void = () => undefined;
  /** A sleep that `stop()` cuts short. */
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      wakeLoop = () => {
        clearTimeout(t);
        resolve();
      };
    });

  function recreateConsumer(reason: string): void {
    // The durable can vanish (server restarted with a lost store, someone deleted it); nats.js
    // keeps polling for it, and we put it back so the service needs no restart.
    if (recreating || stopped) return;
    recreating = (async () => {
      log.warn({ reason }, 'consumer missing; recreating it');
      try {
        await ensureConsumer(jsm, opts.stream, cfg, log);
      } catch (err) {
        log.error({ err }, 'could not recreate consumer');
        await sleep(1000);
      } finally {
        recreating = undefined;
      }
    })();
  }

  async function handle(m: JsMsg): Promise<void> {
    const meta: ConsumeMeta = { subject: m.subject, seq: m.seq, redeliveryCount: Math.max(0, m.info.deliveryCount - 1), headers: headerRecord(m) };
    let message: AnyMessage;
    try {
      const value: unknown = JSON.parse(decoder.decode(m.data));
      message = validateMessage(value);
      // Permissions are granted per subject, so a type may only arrive on its own subject:
      // otherwise a user allowed to publish one subject could smuggle in any other type.
      if (Messages[message.type].subject !== m.subject) {
        throw new ContractError(message.type, [{ path: '/type', message: `arrived on ${m.subject}, expected ${Messages[message.type].subject}` }]);
      }
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      log.warn({ err: error, subject: m.subject, seq: m.seq }, 'invalid message; terminating it');
      try {
        await opts.onInvalid?.(m.data, error, meta);
        term(m);
      } catch (onInvalidErr) {
        if (m.info.deliveryCount >= INVALID_MAX_ATTEMPTS) {
          log.error({ err: onInvalidErr, seq: m.seq }, 'onInvalid keeps failing; terminating the message without it');
          term(m);
        } else {
          log.error({ err: onInvalidErr, seq: m.seq }, 'onInvalid failed; will retry');
          m.nak(retryDelay(m.info.deliveryCount));
        }
      }
      return;
    }

    const mlog = log.child({ correlationId: message.correlationId, messageId: message.id, type: message.type });
    // Tell the server we are still at it, so a slow handler is not redelivered to another worker.
    const keepAlive = setInterval(() => m.working(), Math.max(500, Math.floor(ackWaitMs / 2)));
    try {
      await opts.handler(message, meta);
      m.ack();
    } catch (err) {
      const deliveries = m.info.deliveryCount;
      if (opts.maxDeliver !== undefined && opts.maxDeliver > 0 && deliveries >= opts.maxDeliver) {
        mlog.error({ err, deliveries }, 'handler failed on the last allowed delivery; giving up on the message');
        term(m);
      } else {
        const delay = retryDelay(deliveries);
        mlog.warn({ err, deliveries, retryInMs: delay }, 'handler failed; message will be redelivered');
        m.nak(delay);
      }
    } finally {
      clearInterval(keepAlive);
    }
  }

  async function watchStatus(iter: ConsumerMessages): Promise<void> {
    for await (const s of iter.status()) {
      if (s.type === 'consumer_not_found' || s.type === 'consumer_deleted') recreateConsumer(s.type);
      else if (s.type === 'stream_not_found') log.error('stream not found; waiting for it to be provisioned');
      else if (s.type === 'heartbeats_missed') log.debug({ count: s.count }, 'heartbeats missed');
    }
  }

  // After a reconnect nats.js re-checks the consumer with a backoff of up to `expires`, so a
  // server that comes back slowly (JetStream still recovering) could leave us idle for seconds.
  // Reopening the consume iterator ourselves gets the pull going again as soon as it can.
  const connStatus = opts.nc.status();
  void (async () => {
    for await (const s of connStatus) {
      if (stopped) break;
      if (s.type === 'reconnect') {
        log.info('reconnected; reopening the pull');
        void messages?.close().catch(() => undefined);
      }
    }
  })();

  const loop = (async () => {
    let failures = 0;
    while (!stopped) {
      try {
        const consumer = await js.consumers.get(opts.stream, opts.durable);
        // A pull batch no larger than the concurrency keeps messages from aging in a local
        // buffer while their ack timer runs; expires bounds how long a lost pull can go unnoticed.
        messages = await consumer.consume({ max_messages: concurrency, expires: 10_000 });
        if (stopped) {
          // stop() ran while the iterator was being opened and could not close it. Not awaited:
          // close() settles only once someone iterates, and nobody will.
          void messages.close().catch(() => undefined);
          break;
        }
        void watchStatus(messages);
        failures = 0;
        for await (const m of messages) {
          if (stopped) {
            m.nak(); // hand it back at once rather than after ack_wait
            continue;
          }
          await sem.acquire();
          if (stopped) {
            sem.release();
            m.nak();
            continue;
          }
          const p = handle(m)
            .catch((err) => log.error({ err, seq: m.seq }, 'message handling crashed'))
            .finally(() => {
              sem.release();
              inFlight.delete(p);
            });
          inFlight.add(p);
        }
        if (!stopped) log.debug('consume iterator ended; reopening');
      } catch (err) {
        if (stopped) break;
        failures++;
        log.warn({ err, failures }, 'consume loop error; retrying');
        if (err instanceof JetStreamApiError && err.code === 10014) recreateConsumer('consumer not found');
      }
      if (!stopped) await pause(failures === 0 ? 100 : Math.min(5000, 250 * 2 ** Math.min(failures, 5)));
    }
  })();

  return {
    async stop() {
      if (stopped) return;
      stopped = true;
      (connStatus as { stop?: () => void }).stop?.();
      wakeLoop();
      // close() settles when the loop has drained the iterator, so awaiting the loop suffices.
      void messages?.close().catch(() => undefined);
      await loop;
      await Promise.allSettled([...inFlight]);
      await recreating;
    },
  };
}
