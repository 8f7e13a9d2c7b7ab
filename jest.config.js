/** @type {import('jest').Config} */
const slow = process.env.SLOW === '1';
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.spec.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }] },
  testTimeout: slow ? 600_000 : 30_000,
  maxWorkers: 2,
};
