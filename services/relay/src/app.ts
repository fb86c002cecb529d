/**
 * Relay lane process (网闸). Which half it is comes from the configuration:
 * - `LANE_TRANSPORT=udp` (default), `LANE_ROLE=sender`: runs in the lane's SOURCE zone with that
 *   zone's database, NATS user (e.g. relay-in-sender) and object store; sends datagrams only.
 * - `LANE_TRANSPORT=udp`, `LANE_ROLE=receiver`: runs in the DESTINATION zone with that zone's
 *   credentials; receives datagrams only and never sends one.
 * - `LANE_TRANSPORT=bridge`: one process in the destination zone that also holds the source
 *   zone's read-only sender credentials (SOURCE_* variables), for simple deployments.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Type } from '@sinclair/typebox';
import { ConfigError, Vars } from '@hall/config';
import { connectNats } from '@hall/messaging';
import { createObjectStore } from '@hall/storage';
import { extendConfigWithS3, type ServiceDefinition } from '@hall/service';
import { createPrisma, type Db } from './db.js';
import { takeLaneLease } from './lease.js';
import { startItemTypes } from './item-types.js';
import { LANES } from './lanes.js';
import { startBridge } from './bridge.js';
import { createLaneMetrics, type LaneMetrics } from './metrics.js';
import { laneCounts, loadSenderState, recentQuarantine } from './ledger.js';
import { startUdpReceiver, type ReceiverHandle } from './udp/receiver.js';
import { startUdpSender, type SenderHandle } from './udp/sender.js';
import { parseLaneKeys, type LaneKeyring } from './udp/keys.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const HostPort = Type.String({ pattern: '^[0-9A-Za-z.:-]+:[0-9]{1,5}$' });
export const RelayConfig = extendConfigWithS3({
  LANE: Type.Union([Type.Literal('inbound'), Type.Literal('outbound')]),
  LANE_TRANSPORT: Type.Union([Type.Literal('udp'), Type.Literal('bridge')], { default: 'udp' }),
  LANE_ROLE: Type.Union([Type.Literal('sender'), Type.Literal('receiver')], { default: 'receiver' }),
  /** Active/standby: a half runs only while it holds the lane lease in its database (lease.ts). */
  LANE_LEASE: Type.Boolean({ default: true }),
  /** How often a standby asks for the lease: a take-over starts at most this long after the active process died. */
  LANE_LEASE_POLL_MS: Vars.int(500, 10),
  /** udp receiver: where to listen (host:port). */
  LANE_UDP_BIND: Type.Optional(HostPort),
  /** udp sender: where the datagrams go (host:port), the receiver or the diode in front of it. */
  LANE_UDP_TARGET: Type.Optional(HostPort),
  /**
   * udp, both halves: the lane's MAC keys, `keyId:base64key` entries separated by commas. The
   * sender authenticates every datagram with the first; the receiver accepts any listed one.
   * Required for the udp transport: a half without a key refuses to start (udp/keys.ts).
   */
  LANE_MAC_KEYS: Type.Optional(Vars.secret()),
  /** Both halves must agree on chunk size and parity group. */
  LANE_UDP_CHUNK_BYTES: Type.Integer({ default: 1200, minimum: 256, maximum: 65_000 }),
  LANE_UDP_FEC_GROUP: Vars.int(4, 0),
  LANE_UDP_REPEAT: Vars.int(1, 1),
  LANE_UDP_RATE_BYTES: Vars.int(16 * 1024 * 1024, 1024),
  LANE_HEARTBEAT_MS: Vars.int(200, 10),
  LANE_MANIFEST_MS: Vars.int(1000, 10),
  LANE_REPORT_MS: Vars.int(1000, 10),
  LANE_RESEND_AFTER_MS: Vars.int(1500, 10),
  /** udp receiver: an incomplete record (a parity group lost two chunks) is given up after this long, and only then reported missing. */
  LANE_PARTIAL_TIMEOUT_MS: Vars.int(5000, 100),
  SOURCE_NATS_URL: Type.Optional(Vars.url()),
  SOURCE_NATS_USER: Type.Optional(Type.String({ minLength: 1 })),
  SOURCE_NATS_PASS: Type.Optional(Vars.secret()),
  SOURCE_S3_ENDPOINT: Type.Optional(Vars.url()),
  SOURCE_S3_ACCESS_KEY: Type.Optional(Type.String({ minLength: 1 })),
  SOURCE_S3_SECRET_KEY: Type.Optional(Vars.secret()),
  SOURCE_S3_BUCKET: Type.String({ minLength: 3, default: 'hall-materials' }),
});

/** Per running service (tests run several in one process): its metrics and whichever half it runs. */
const runtime = new WeakMap<object, { metrics: LaneMetrics; keys?: LaneKeyring; sender?: SenderHandle; receiver?: ReceiverHandle }>();

const hostPort = (v: string) => { const at = v.lastIndexOf(':'); return { host: v.slice(0, at), port: Number(v.slice(at + 1)) }; };

const LaneStatus = Type.Object({
  lane: Type.String(),
  role: Type.String(),
  transport: Type.String(),
  relayed: Type.Optional(Type.Integer()),
  quarantined: Type.Optional(Type.Integer()),
  lastSourceSeq: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  receivedThrough: Type.Optional(Type.Integer()),
  highestSeen: Type.Optional(Type.Integer()),
  missing: Type.Optional(Type.Integer()),
  nextSeq: Type.Optional(Type.Integer()),
  confirmedThrough: Type.Optional(Type.Integer()),
  udpPort: Type.Optional(Type.Integer()),
});

export const definition: ServiceDefinition<typeof RelayConfig, Db> = {
  name: 'relay',
  configSchema: RelayConfig,
  migrationsDir: path.resolve(here, '../prisma/migrations'),
  createPrisma,
  objectStore: true,
  async routes(app, ctx) {
    const c = ctx.config;
    const lane = LANES[c.LANE];
    const role = c.LANE_TRANSPORT === 'bridge' ? 'bridge' : c.LANE_ROLE;
    const metrics = createLaneMetrics(lane.name, role);
    const handles: { metrics: LaneMetrics; sender?: SenderHandle; receiver?: ReceiverHandle } = { metrics };
    runtime.set(ctx, handles);

    app.get('/metrics', async (_req, reply) => {
      reply.header('content-type', metrics.registry.contentType);
      return metrics.registry.metrics();
    });
    // Counts only (no message content): safe to expose to the zone's monitoring.
    app.get('/v1/lane', { schema: { response: { 200: LaneStatus } } }, async () => {
      const base = { lane: lane.name, role, transport: c.LANE_TRANSPORT };
      if (role === 'sender') {
        const s = handles.sender?.status() ?? { ...(await loadSenderState(ctx.prisma, lane)), lastSourceSeq: 0 };
        return { ...base, nextSeq: s.nextSeq, confirmedThrough: s.confirmedThrough, lastSourceSeq: String(s.lastSourceSeq) };
      }
      const counts = await laneCounts(ctx.prisma, lane);
      const r = handles.receiver?.status();
      return { ...base, ...counts, ...(r ? { receivedThrough: r.receivedThrough, highestSeen: r.highestSeen, missing: r.missing, udpPort: handles.receiver!.port } : {}) };
    });
    // What operators look at first: why messages were refused (reasons and ids, not contents).
    app.get('/v1/quarantine', {
      schema: {
        querystring: Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }) }, { additionalProperties: false }),
        response: { 200: Type.Object({ entries: Type.Array(Type.Object({ id: Type.String(), messageId: Type.Union([Type.String(), Type.Null()]), sourceSeq: Type.String(), reason: Type.String(), at: Type.String() })) }) },
      },
    }, async (req) => ({ entries: await recentQuarantine(ctx.prisma, lane, (req.query as { limit: number }).limit) }));
  },
  async start(ctx) {
    const c = ctx.config;
    const lane = LANES[c.LANE];
    // Before the lease: a half without a valid lane key exits at once (78) instead of waiting as a standby.
    if (c.LANE_TRANSPORT === 'udp') runtime.get(ctx)!.keys = parseLaneKeys(c.LANE_MAC_KEYS);
    if (!c.LANE_LEASE) return runHalf(ctx);
    // A standby of this half (same config) waits here, not ready, until the active one dies.
    const lease = takeLaneLease({ databaseUrl: c.DATABASE_URL, key: `relay:${lane.name}:${c.LANE_TRANSPORT === 'bridge' ? 'bridge' : c.LANE_ROLE}`, logger: ctx.logger, pollMs: c.LANE_LEASE_POLL_MS });
    ctx.addReadiness('laneLease', async () => { if (!lease.isActive()) throw new Error('standby: another process holds the lane lease'); });
    ctx.onStop(() => lease.release());
    lease.acquired.then(() => runHalf(ctx)).catch((err: unknown) => {
      if (!lease.isActive() && (err as Error).message.startsWith('lease released')) return; // stopped while standby
      ctx.logger.fatal({ err }, 'relay half failed to start after taking the lease');
      process.exitCode = 1;
      process.kill(process.pid, 'SIGTERM');
    });
  },
};

async function runHalf(ctx: Parameters<NonNullable<typeof definition.start>>[0]): Promise<void> {
    const c = ctx.config;
    const lane = LANES[c.LANE];
    const handles = runtime.get(ctx)!;
    const metrics = handles.metrics;
    const framing = { chunkBytes: c.LANE_UDP_CHUNK_BYTES, fecGroup: c.LANE_UDP_FEC_GROUP };

    if (c.LANE_TRANSPORT === 'udp' && c.LANE_ROLE === 'sender') {
      if (lane.source !== c.ZONE) throw new Error(`lane ${lane.name} leaves ${lane.source}, but ZONE is ${c.ZONE}`);
      if (!c.LANE_UDP_TARGET) throw new ConfigError([{ variable: 'LANE_UDP_TARGET', message: 'is required for the udp sender' }]);
      const t = hostPort(c.LANE_UDP_TARGET);
      const sender = await startUdpSender({
        lane, nc: ctx.nc, store: ctx.store!, db: ctx.prisma, logger: ctx.logger, metrics, keys: handles.keys!,
        opts: { ...framing, targetHost: t.host, targetPort: t.port, repeat: c.LANE_UDP_REPEAT, rateBytesPerSec: c.LANE_UDP_RATE_BYTES, heartbeatMs: c.LANE_HEARTBEAT_MS, manifestMs: c.LANE_MANIFEST_MS, resendAfterMs: c.LANE_RESEND_AFTER_MS, batchSize: 64, pollMs: 25, idlePollMaxMs: 250 },
      });
      handles.sender = sender;
      ctx.onStop(() => sender.stop());
      return;
    }
    if (lane.destination !== c.ZONE) throw new Error(`lane ${lane.name} enters ${lane.destination}, but ZONE is ${c.ZONE}`);
    // Before any traffic: learn each item's allowed types per material from this zone's catalog.
    const itemTypes = await startItemTypes({ nc: ctx.nc, lane, db: ctx.prisma, logger: ctx.logger });
    if (itemTypes) ctx.onStop(() => itemTypes.stop());
    if (c.LANE_TRANSPORT === 'udp') {
      if (!c.LANE_UDP_BIND) throw new ConfigError([{ variable: 'LANE_UDP_BIND', message: 'is required for the udp receiver' }]);
      const b = hostPort(c.LANE_UDP_BIND);
      const receiver = await startUdpReceiver({
        lane, db: ctx.prisma, publisher: ctx.publisher, store: ctx.store!, notifyOutbox: () => ctx.outbox.notify(), logger: ctx.logger, metrics, keys: handles.keys!,
        opts: { ...framing, bindHost: b.host, bindPort: b.port, reportMs: c.LANE_REPORT_MS, graceMs: Math.max(300, c.LANE_HEARTBEAT_MS * 2), partialTimeoutMs: c.LANE_PARTIAL_TIMEOUT_MS, maxQueuedBytes: 256 * 1024 * 1024, batchSize: 256 },
      });
      handles.receiver = receiver;
      ctx.onStop(() => receiver.stop());
      return;
    }
    const missing = (['SOURCE_NATS_URL', 'SOURCE_NATS_USER', 'SOURCE_NATS_PASS', 'SOURCE_S3_ENDPOINT', 'SOURCE_S3_ACCESS_KEY', 'SOURCE_S3_SECRET_KEY'] as const).filter((k) => !c[k]);
    if (missing.length) throw new ConfigError(missing.map((variable) => ({ variable, message: 'is required for the bridge transport' })));
    const sourceNc = await connectNats({ servers: c.SOURCE_NATS_URL!, user: c.SOURCE_NATS_USER!, pass: c.SOURCE_NATS_PASS!, name: `relay-${lane.name}-sender`, logger: ctx.logger });
    const sourceStore = createObjectStore({ endpoint: c.SOURCE_S3_ENDPOINT!, accessKey: c.SOURCE_S3_ACCESS_KEY!, secretKey: c.SOURCE_S3_SECRET_KEY!, bucket: c.SOURCE_S3_BUCKET, logger: ctx.logger });
    const bridge = await startBridge({ lane, sourceNc, destNc: ctx.nc, sourceStore, destStore: ctx.store!, db: ctx.prisma, logger: ctx.logger, notifyOutbox: () => ctx.outbox.notify(), metrics });
    ctx.onStop(async () => { await bridge.stop(); await sourceNc.drain().catch(() => sourceNc.close()); });
}
