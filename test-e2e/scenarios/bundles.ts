/**
 * The shared platform runs from the production bundles (deploy/build.ts, built once per test run by
 * serviceBundles of @hall/testkit), as the deployments do: every process started from its bundle
 * answers /ready 200, a Prisma model query answers through the bundled client and its WebAssembly
 * query compiler, and every variable the launcher gives a process is also set by the deployment
 * files (deploy/model.ts). Moved here from packages/platform/test/deploy-bundle.test.ts, which
 * started a whole platform of its own for these checks; it still builds the bundles offline and
 * runs the bundled migration tools.
 */
import { PROCESSES, type Platform } from '@hall/platform';
import { unitEnv, zoneRelayHalves, zoneServices } from '../../deploy/model.js';
import { sharedPlatform } from '../src/platform.js';

/** Settings of the local demo only. */
const LOCAL_ONLY = new Set(['SEED_DEMO', 'NOTIFY_MAILBOX_DIR']);
let platform: Platform;

describe('scenario: production bundles', () => {
  beforeAll(async () => { platform = (await sharedPlatform()).platform; });

  it('runs every process of both zones from its bundle; each answers /ready 200 and sets only what the deployments set', async () => {
    if (process.env.HALL_E2E_FROM_SOURCE) return; // started from the TypeScript sources on request
    for (const spec of PROCESSES) {
      const res = await fetch(`${platform.url(spec.name)}/ready`);
      expect({ process: spec.name, status: res.status }).toEqual({ process: spec.name, status: 200 });
      // Started from the bundle, not from the TypeScript sources.
      expect(platform.processes[spec.name]!.child!.spawnargs.join(' ')).toMatch(new RegExp(`/${spec.service}/server\\.mjs`));
    }
    // Every variable the launcher gives a process is also set by the deployment files (deploy/model.ts).
    for (const spec of PROCESSES) {
      const unit = [...zoneServices(spec.zone), ...zoneRelayHalves(spec.zone)].find((u) => u.name === spec.name);
      expect({ process: spec.name, inDeploy: !!unit }).toEqual({ process: spec.name, inDeploy: true });
      const deployed = new Set(Object.keys(unitEnv(unit!, { postgres: 'p', nats: 'nats://n', s3: 'http://s', url: (n) => `http://${n}` }, '/k')));
      const missing = Object.keys(platform.processes[spec.name]!.env).filter((k) => !LOCAL_ONLY.has(k) && !deployed.has(k));
      expect({ process: spec.name, missing }).toEqual({ process: spec.name, missing: [] });
    }
    // A real Prisma model query through the bundled client and its WebAssembly query compiler.
    const res = await fetch(`${platform.url('declaration')}/v1/items`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { items?: unknown[] } | unknown[];
    expect(Array.isArray(body) ? body : body.items).toEqual(expect.any(Array));
  }, 60_000);
});
