/** @type {import('jest').Config} */
const slow = process.env.SLOW === '1';
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.spec.ts'],
  transform: { '^.+\\.(ts|js)$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }] },
  // ESM-only dependencies (light-my-request -> cookie 2) are compiled to CommonJS for Jest;
  // Node itself loads them natively.
  transformIgnorePatterns: ['/node_modules/(?!(cookie)/)'],
  // Builds dist/ once for tests that spawn the service as a child process.
  globalSetup: '<rootDir>/test/support/globalSetup.ts',
  testTimeout: slow ? 600_000 : 30_000,
  maxWorkers: 2,
};
