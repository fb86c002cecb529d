/**
 * Bad-input suite, internet zone and the relay: every route of identity (public realm), declaration
 * (portal API and its static UI) and a relay lane's HTTP surface, enumerated from the running app
 * and fuzzed with fast-check. Same invariant as extranet.test.ts.
 * Reproduce: FUZZ_SEED=<seed printed below> FUZZ_RUNS=<runs> pnpm -s test:jest test-e2e/bad-input/internet.test.ts
 */
import { routesOf, fuzzService, fuzzSeed, summary, type FuzzTarget } from '../src/fuzz.js';
import { authorizations, DECLARATION_BACKGROUND_TABLES, RUNS } from './principals.js';

const SEED = fuzzSeed();
beforeAll(() => { process.stdout.write(`bad-input internet: seed ${SEED}, ${RUNS} runs per route (FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS} to reproduce)\n`); });

async function run(target: FuzzTarget, opts: { unauthenticated?: boolean } = {}) {
  expect(routesOf(target.app).length).toBeGreaterThan(2);
  const report = await fuzzService(target, { seed: SEED, runsPerRoute: RUNS });
  process.stdout.write(`${summary(report)}\n`);
  // The protected routes were found (each answers an anonymous caller 401 before validating).
  if (!opts.unauthenticated) expect(report.protectedRoutes).toBeGreaterThan(0);
  expect(report.failures).toEqual([]);
  expect(report.requests).toBeGreaterThanOrEqual(report.routes * RUNS);
}

describe('bad input, internet zone and relay', () => {
  it('identity (public realm): every route', async () => {
    const h = await (await import('../../services/identity/test/helpers.js')).startIdentity('public');
    try {
      await run({ name: 'identity-public', app: h.svc.app, databaseUrl: h.env.databaseUrl, authorizations: authorizations(h.env, 'internet') });
    } finally { await h.close(); }
  }, 240_000);

  it('declaration: every route', async () => {
    const { startDeclaration, ITEM } = await import('../../services/declaration/test/helpers.js');
    const h = await startDeclaration();
    try {
      // A published item in the replica, so that item, material and submission routes get past "not found".
      await h.publishOutbound('catalog.item.published', ITEM);
      const { waitFor } = await import('@hall/testkit');
      await waitFor(async () => (await h.svc.app.inject({ method: 'GET', url: `/v1/items/${ITEM.code}` })).statusCode === 200);
      // payment_reconciliation is written by the daily reconciliation job on its own timer, not by requests.
      await run({ name: 'declaration', app: h.svc.app, databaseUrl: h.env.databaseUrl, authorizations: authorizations(h.env, 'internet'), ignoreTables: DECLARATION_BACKGROUND_TABLES });
    } finally { await h.close(); }
  }, 240_000);

  it('relay lane (inbound, extranet half): every route', async () => {
    const h = await (await import('../../services/relay/test/helpers.js')).startLane('inbound');
    try {
      // A lane's HTTP surface (health, metrics, status) takes no tokens.
      await run({ name: 'relay-inbound', app: h.svc.app, databaseUrl: h.env.databaseUrl, authorizations: authorizations(h.env, 'extranet') }, { unauthenticated: true });
    } finally { await h.close(); }
  }, 240_000);
});
