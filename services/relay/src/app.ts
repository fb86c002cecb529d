/**
 * Relay lane process (网闸). Runs as the destination zone's receiver: its database, NATS user and
 * object store are the destination's; the SOURCE_* variables give the source zone's sender user
 * and object store. Transport `bridge` here; the one-way `udp` transport splits the two halves
 * into separate processes (relay issue).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Type } from '@sinclair/typebox';
import { Vars } from '@hall/config';
import { connectNats } from '@hall/messaging';
import { createObjectStore } from '@hall/storage';
import { extendConfigWithS3, type ServiceDefinition } from '@hall/service';
import { createPrisma, type Db } from './db.js';
import { LANES } from './lanes.js';
import { startBridge } from './bridge.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const RelayConfig = extendConfigWithS3({
  LANE: Type.Union([Type.Literal('inbound'), Type.Literal('outbound')]),
  LANE_TRANSPORT: Type.Literal('bridge', { default: 'bridge' }),
  SOURCE_NATS_URL: Vars.url(),
  SOURCE_NATS_USER: Type.String({ minLength: 1 }),
  SOURCE_NATS_PASS: Vars.secret(),
  SOURCE_S3_ENDPOINT: Vars.url(),
  SOURCE_S3_ACCESS_KEY: Type.String({ minLength: 1 }),
  SOURCE_S3_SECRET_KEY: Vars.secret(),
  SOURCE_S3_BUCKET: Type.String({ minLength: 3, default: 'hall-materials' }),
});

export const definition: ServiceDefinition<typeof RelayConfig, Db> = {
  name: 'relay',
  configSchema: RelayConfig,
  migrationsDir: path.resolve(here, '../prisma/migrations'),
  createPrisma,
  objectStore: true,
  async routes(app, ctx) {
    // Counts only (no message content): safe to expose to the zone's monitoring.
    app.get('/v1/lane', { schema: { response: { 200: Type.Object({ lane: Type.String(), relayed: Type.Integer(), quarantined: Type.Integer(), lastSourceSeq: Type.Union([Type.String(), Type.Null()]) }) } } }, async () => {
      const lane = ctx.config.LANE;
      const [relayed, quarantined, last] = await Promise.all([
        ctx.prisma.ledgerEntry.count({ where: { lane, status: 'relayed' } }),
        ctx.prisma.quarantineEntry.count({ where: { lane } }),
        ctx.prisma.ledgerEntry.findFirst({ where: { lane }, orderBy: { sourceSeq: 'desc' } }),
      ]);
      return { lane, relayed, quarantined, lastSourceSeq: last ? last.sourceSeq.toString() : null };
    });
  },
  async start(ctx) {
    const c = ctx.config;
    const lane = LANES[c.LANE];
    if (lane.destination !== c.ZONE) throw new Error(`lane ${lane.name} enters ${lane.destination}, but ZONE is ${c.ZONE}`);
    const sourceNc = await connectNats({ servers: c.SOURCE_NATS_URL, user: c.SOURCE_NATS_USER, pass: c.SOURCE_NATS_PASS, name: `relay-${lane.name}-sender`, logger: ctx.logger });
    const sourceStore = createObjectStore({ endpoint: c.SOURCE_S3_ENDPOINT, accessKey: c.SOURCE_S3_ACCESS_KEY, secretKey: c.SOURCE_S3_SECRET_KEY, bucket: c.SOURCE_S3_BUCKET, logger: ctx.logger });
    const bridge = await startBridge({ lane, sourceNc, destNc: ctx.nc, sourceStore, destStore: ctx.store!, db: ctx.prisma, logger: ctx.logger });
    ctx.onStop(async () => { await bridge.stop(); await sourceNc.drain().catch(() => sourceNc.close()); });
  },
};
