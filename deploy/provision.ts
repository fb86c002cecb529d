/**
 * Creates or updates a zone's JetStream streams from the topology, as the zone's `provisioner`
 * user (the only user allowed on the stream API). Deployments run it as a one-shot job after the
 * NATS server or cluster is up and before the services start; it is idempotent, so it runs again
 * on every upgrade. On a 3-node cluster STREAM_REPLICAS=3 gives R3 streams.
 *
 * Env: ZONE, NATS_URL (comma-separated for a cluster), NATS_PASS, NATS_USER (default provisioner),
 * STREAM_REPLICAS (default 1), PROVISION_TIMEOUT_S (default 120: the cluster may still be electing).
 */
import { Type } from '@sinclair/typebox';
import { loadConfigOrExit, Vars } from '@hall/config';
import { createLogger } from '@hall/logging';
import { connectNats, provisionStreams } from '@hall/messaging';

const ProvisionConfig = Type.Object({
  ZONE: Vars.zone(),
  NATS_URL: Type.String({ minLength: 1 }),
  NATS_USER: Type.String({ minLength: 1, default: 'provisioner' }),
  NATS_PASS: Vars.secret(),
  STREAM_REPLICAS: Type.Integer({ minimum: 1, maximum: 5, default: 1 }),
  PROVISION_TIMEOUT_S: Vars.int(120, 1),
  LOG_LEVEL: Vars.logLevel(),
});

const config = loadConfigOrExit(ProvisionConfig);
const logger = createLogger({ service: 'provision', zone: config.ZONE, level: config.LOG_LEVEL });
const deadline = Date.now() + config.PROVISION_TIMEOUT_S * 1000;
for (;;) {
  try {
    const nc = await connectNats({ servers: config.NATS_URL.split(','), user: config.NATS_USER, pass: config.NATS_PASS, name: `provision-${config.ZONE}`, logger });
    try {
      const r = await provisionStreams(nc, config.ZONE, { replicas: config.STREAM_REPLICAS });
      logger.info({ created: r.created, updated: r.updated, replicas: config.STREAM_REPLICAS }, 'streams provisioned');
      process.stdout.write(`已配置 ${config.ZONE} 区消息流：新建 ${r.created.join(', ') || '无'}；更新 ${r.updated.join(', ') || '无'}（副本数 ${config.STREAM_REPLICAS}）\n`);
    } finally {
      await nc.close();
    }
    break;
  } catch (err) {
    // A JetStream cluster answers "no responders" or "insufficient resources" until its meta
    // leader is elected and enough peers are up; retry until the deadline.
    if (Date.now() > deadline) {
      process.stderr.write(`provision: ${(err as Error).message}\n`);
      process.exit(1);
    }
    logger.warn({ err: (err as Error).message }, 'JetStream not ready, retrying');
    await new Promise((r) => setTimeout(r, 1000));
  }
}
