// Jest runs in ESM mode (NODE_OPTIONS=--experimental-vm-modules, see package.json "test:jest"):
// the Prisma 7 client loads an ES-module query compiler that CommonJS jest cannot import.
const swc = ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'es6' } }];
// fastify's inject (light-my-request) require()s cookie@2, which is ESM-only; jest's CommonJS loader
// cannot load it on Node 20, so that one package is transformed to CommonJS.
const cookieToCjs = ['@swc/jest', { module: { type: 'commonjs' } }];
const base = {
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': swc, '/node_modules/\\.pnpm/cookie@[^/]+/node_modules/cookie/.+\\.js$': cookieToCjs },
  transformIgnorePatterns: ['/node_modules/(?!(\\.pnpm/cookie@|cookie/))'],
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
