/**
 * Bad-input suite, extranet services: every route of identity (staff realm), catalog, approval,
 * certificate, supervision and exchange, enumerated from the running app, fuzzed with fast-check
 * (body, query, path parameters, headers, Authorization). Invariant: no 5xx, every 4xx is
 * problem+json with a stable code and a Chinese title, and a refused request changes no row.
 * Reproduce: FUZZ_SEED=<seed printed below> FUZZ_RUNS=<runs> pnpm -s test:jest test-e2e/bad-input/extranet.test.ts
 */
import { routesOf, fuzzService, fuzzSeed, summary, type FuzzTarget } from '../src/fuzz.js';
import { authorizations, RUNS, SCOPES } from './principals.js';

const SEED = fuzzSeed();
beforeAll(() => { process.stdout.write(`bad-input extranet: seed ${SEED}, ${RUNS} runs per route (FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS} to reproduce)\n`); });

async function run(target: FuzzTarget, opts: { unauthenticated?: boolean } = {}) {
  expect(routesOf(target.app).length).toBeGreaterThan(3);
  const report = await fuzzService(target, { seed: SEED, runsPerRoute: RUNS });
  process.stdout.write(`${summary(report)}\n`);
  // The protected routes were found (each answers an anonymous caller 401 before validating).
  if (!opts.unauthenticated) expect(report.protectedRoutes).toBeGreaterThan(0);
  expect(report.failures).toEqual([]);
  expect(report.requests).toBeGreaterThanOrEqual(report.routes * RUNS);
}

describe('bad input, extranet', () => {
  it('identity (staff realm): every route', async () => {
    const h = await (await import('../../services/identity/test/helpers.js')).startIdentity('staff');
    try {
      await run({ name: 'identity-staff', app: h.svc.app, databaseUrl: h.env.databaseUrl, authorizations: authorizations(h.env, 'extranet') });
    } finally { await h.close(); }
  }, 240_000);

  it('catalog: every route', async () => {
    const h = await (await import('../../services/catalog/test/helpers.js')).startCatalog();
    try {
      await run({ name: 'catalog', app: h.svc.app, databaseUrl: h.env.databaseUrl, authorizations: authorizations(h.env, 'extranet') });
    } finally { await h.close(); }
  }, 240_000);

  it('approval: every route', async () => {
    const h = await (await import('../../services/approval/test/helpers.js')).startApproval();
    try {
      await run({ name: 'approval', app: h.svc.app, databaseUrl: h.env.databaseUrl, authorizations: authorizations(h.env, 'extranet') });
    } finally { await h.close(); }
  }, 240_000);

  it('certificate: every route', async () => {
    const h = await (await import('../../services/certificate/test/helpers.js')).startCertificate();
    try {
      await run({ name: 'certificate', app: h.svc.app, databaseUrl: h.env.databaseUrl, authorizations: authorizations(h.env, 'extranet') });
    } finally { await h.close(); }
  }, 240_000);

  it('supervision: every route', async () => {
    const h = await (await import('../../services/supervision/test/helpers.js')).startSupervision();
    try {
      // Earlier tests of this file published on the shared NATS server (catalog's announcements,
      // certificate refusals); supervision handles that backlog first, so a read route's snapshot
      // compares only what the route itself did.
      await h.settled();
      await run({ name: 'supervision', app: h.svc.app, databaseUrl: h.env.databaseUrl, authorizations: authorizations(h.env, 'extranet') });
    } finally { await h.close(); }
  }, 240_000);

  it('exchange: every route', async () => {
    const h = await (await import('../../services/exchange/test/helpers.js')).startExchange({ with: ['certificate', 'approval', 'catalog'] });
    try {
      // api_call is exchange's call log: every call, refused ones included, is recorded by design.
      await run({ name: 'exchange', app: h.exchange.app, databaseUrl: h.env.databaseUrl, authorizations: [...authorizations(h.env, 'extranet'), h.client(SCOPES as never).authorization], ignoreTables: ['api_call'] });
    } finally { await h.close(); }
  }, 240_000);
});
