// Jest runs in ESM mode (NODE_OPTIONS=--experimental-vm-modules, see package.json "test:jest"):
// the Prisma 7 client loads an ES-module query compiler that CommonJS jest cannot import.
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
};
export default {
  testTimeout: 60_000,
  projects: [
    { ...base, displayName: 'unit+service', testMatch: ['<rootDir>/packages/*/src/**/*.test.ts', '<rootDir>/packages/*/test/**/*.test.ts', '<rootDir>/services/*/src/**/*.test.ts', '<rootDir>/services/*/test/**/*.test.ts'] },
    { ...base, displayName: 'e2e', testMatch: ['<rootDir>/test-e2e/**/*.test.ts'] },
  ],
};
