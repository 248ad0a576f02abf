// Shared jest settings: each workspace's jest.config.js calls this with its own folder.
// TypeScript is compiled by swc (no type checking here: `npm run typecheck` and the build do that),
// and workspace packages resolve to their sources, so tests never run against a stale build.
const path = require('node:path');

const packages = path.join(__dirname, 'packages');

module.exports = (dir) => ({
  rootDir: dir,
  testEnvironment: 'node',
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } },
    ],
  },
  moduleNameMapper: {
    '^@orderpulse/(contracts|kafka|outbox|service-kit|testkit|object-store|jobs|timeline)$': `${packages}/$1/src/index.ts`,
  },
  globalSetup: path.join(__dirname, 'infra', 'local', 'jest-global-setup.js'),
  testTimeout: 60_000,
  maxWorkers: 1,
});
