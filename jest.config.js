// Jest runs in ESM mode (NODE_OPTIONS=--experimental-vm-modules, see package.json "test:jest"):
// the Prisma 7 client loads an ES-module query compiler that CommonJS jest cannot import.
//
// Three layers (docs/testing.md), each a jest project:
//   unit     *.unit.test.ts            no servers at all; seconds
//   service  packages|services tests   real Postgres, NATS, S3 for one service or package
//   e2e      test-e2e/                 whole platforms and a real browser
// `--selectProjects unit` (pnpm test:unit) and so on run one layer; the README's test command runs
// all three in one jest run, units first (scripts/jest/sequencer.cjs).
const swc = ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'es6' } }];
// Some CommonJS dependencies require() packages that are ESM-only (fastify's inject → cookie@2,
// @fastify/static → content-disposition@3); jest's loader cannot do that on Node 20, so those
// packages are transformed to CommonJS.
const ESM_ONLY_REQUIRED = ['cookie', 'content-disposition'];
const cjs = ['@swc/jest', { module: { type: 'commonjs' } }];
const esmOnly = ESM_ONLY_REQUIRED.join('|');
const base = {
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': swc, [`/node_modules/\\.pnpm/(${esmOnly})@[^/]+/node_modules/(${esmOnly})/.+\\.js$`]: cjs },
  transformIgnorePatterns: [`/node_modules/(?!(\\.pnpm/(${esmOnly})@|(${esmOnly})/))`],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testEnvironment: 'node',
  // Bundles built during a run (.tmp/bundles-<run>, .data/bundles) hold package.json copies of the
  // workspace packages: jest's module map must not see them (a second run beside a first one failed
  // with "several different files provide @hall/contracts").
  modulePathIgnorePatterns: ['<rootDir>/\\.tmp/', '<rootDir>/\\.data/'],
  // Stated test and hook timeouts are quiet-machine figures, stretched by the machine's load.
  setupFilesAfterEnv: ['<rootDir>/packages/testkit/src/jest-setup.ts'],
};
// Shared NATS and S3 per worker, started once for the run (packages/testkit/src/shared-infra.ts).
const sharedInfra = { globalSetup: '<rootDir>/scripts/jest/global-setup.mjs', globalTeardown: '<rootDir>/scripts/jest/global-teardown.mjs' };
const code = ['<rootDir>/packages/*/src/**/', '<rootDir>/packages/*/test/**/', '<rootDir>/services/*/src/**/', '<rootDir>/services/*/test/**/'];
export default {
  testTimeout: 60_000,
  testSequencer: '<rootDir>/scripts/jest/sequencer.cjs',
  projects: [
    { ...base, displayName: 'unit', testMatch: code.map((d) => `${d}*.unit.test.ts`) },
    { ...base, ...sharedInfra, displayName: 'service', testMatch: code.map((d) => `${d}*.test.ts`), testPathIgnorePatterns: ['\\.unit\\.test\\.ts$', '/node_modules/'] },
    // The e2e layer's setup also starts the run's extranet Postgres cluster (test-e2e/src/zone-postgres.ts).
    { ...base, ...sharedInfra, globalSetup: '<rootDir>/scripts/jest/global-setup-e2e.mjs', displayName: 'e2e', testMatch: ['<rootDir>/test-e2e/**/*.test.ts'] },
  ],
};
