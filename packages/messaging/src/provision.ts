/**
 * Creates or updates a zone's streams from the topology. Idempotent, so every start of the
 * provisioner (or of a test server) may run it; only the `provisioner` user is allowed to.
 */
import { jetstreamManager, JetStreamApiError, JetStreamApiCodes, type StreamInfo } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { streamConfig, zoneTopology, type Zone } from './topology.js';

export interface ProvisionResult {
  created: string[];
  updated: string[];
  streams: StreamInfo[];
}

export interface ProvisionOptions {
  /** Replicas per stream: 1 on a single server, 3 on a 3-node cluster (deploy/: R3 streams). */
  replicas?: number;
}

export async function provisionStreams(nc: NatsConnection, zone: Zone, opts: ProvisionOptions = {}): Promise<ProvisionResult> {
  const jsm = await jetstreamManager(nc);
  const result: ProvisionResult = { created: [], updated: [], streams: [] };
  for (const spec of zoneTopology(zone).streams) {
    const cfg = { ...streamConfig(spec), ...(opts.replicas ? { num_replicas: opts.replicas } : {}) };
    let exists = true;
    try {
      await jsm.streams.info(spec.name);
    } catch (err) {
      if (err instanceof JetStreamApiError && err.code === JetStreamApiCodes.StreamNotFound) exists = false;
      else throw err;
    }
    if (exists) {
      // Update rewrites the mutable settings (subjects, limits, dedupe window) to what the
      // topology says; immutable ones (storage) are the same by construction.
      const { name, ...mutable } = cfg;
      result.streams.push(await jsm.streams.update(name, mutable));
      result.updated.push(name);
    } else {
      result.streams.push(await jsm.streams.add(cfg));
      result.created.push(spec.name);
    }
  }
  return result;
}
