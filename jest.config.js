/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/tests'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  testTimeout: 30000,
  // Two at a time even on a two-core machine: most suites wait on child processes, sockets or the database
  // rather than compute.
  maxWorkers: 2,
  globalSetup: '<rootDir>/tests/support/postgres-notice.ts',
};
