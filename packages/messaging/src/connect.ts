/**
 * One way to connect to a zone's NATS server: user/password from the topology, the user's own
 * inbox prefix (the server allows no other), reconnect forever with jitter, and connection
 * events in the log. Services must survive NATS restarts without a restart of their own.
 */
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/nats-core';
import type { Logger } from '@hall/logging';
import { inboxPrefixFor } from './topology.js';

export type { NatsConnection };

export interface ConnectNatsOptions {
  servers: string | string[];
  user: string;
  pass: string;
  /** Client name shown by the server (monitoring, logs). */
  name: string;
  logger: Logger;
  /** Base wait between reconnect attempts; jitter is added on top. */
  reconnectTimeWaitMs?: number;
}

export async function connectNats(opts: ConnectNatsOptions): Promise<NatsConnection> {
  const log = opts.logger.child({ nats: opts.name, natsUser: opts.user });
  const nc = await connect({
    servers: opts.servers,
    user: opts.user,
    pass: opts.pass,
    name: opts.name,
    inboxPrefix: inboxPrefixFor(opts.user),
    // Keep trying forever: a zone's NATS being down is an outage to ride out, not a reason to exit.
    maxReconnectAttempts: -1,
    reconnectTimeWait: opts.reconnectTimeWaitMs ?? 1000,
    // Jitter keeps a fleet of services from reconnecting in lock-step after a server restart.
    reconnectJitter: 500,
    // Detect a dead server (e.g. killed without FIN) within ~20 s instead of the 2-minute default.
    pingInterval: 10_000,
    maxPingOut: 2,
  });
  log.info({ server: nc.getServer() }, 'nats connected');
  void (async () => {
    for await (const s of nc.status()) {
      switch (s.type) {
        case 'disconnect':
          log.warn({ server: s.server }, 'nats disconnected');
          break;
        case 'reconnect':
          log.info({ server: s.server }, 'nats reconnected');
          break;
        case 'error':
          // Permission violations and other server errors arrive here; they never close the connection.
          log.error({ err: s.error }, 'nats server error');
          break;
        case 'staleConnection':
          log.warn('nats connection stale; reconnecting');
          break;
        case 'slowConsumer':
          log.warn({ subject: s.sub.getSubject(), pending: s.pending }, 'nats slow consumer');
          break;
        default:
          break;
      }
    }
  })();
  void nc.closed().then((err) => {
    if (err) log.error({ err }, 'nats connection closed with error');
    else log.info('nats connection closed');
  });
  return nc;
}
