// Three projects, one command: `npm test` runs them all (see README).
const transform = {
  '^.+\\.(t|j)sx?$': [
    '@swc/jest',
    { jsc: { parser: { syntax: 'typescript' }, target: 'es2023' }, module: { type: 'commonjs' } },
  ],
};
// @middy/* and a few other dependencies ship ES modules only: transform them too.
const transformIgnorePatterns = ['/node_modules/(?!(@middy|ulid)/)'];
// @middy/core and @middy/util export only an `import` condition; point jest's CommonJS resolver at the file.
const moduleNameMapper = { '^@middy/(core|util)$': '<rootDir>/node_modules/@middy/$1/index.js' };
// Functions log at WARN and above in tests unless POWERTOOLS_LOG_LEVEL says otherwise.
const setupFiles = ['<rootDir>/test/support/log-level.ts', '<rootDir>/test/support/clock-shift.ts'];
const common = { transform, transformIgnorePatterns, moduleNameMapper, setupFiles, testEnvironment: 'node' };

module.exports = {
  // Every test file in a fresh worker process: a file that starts the local runtime can leave work in
  // flight (a Step Functions task, a timer) that would otherwise write into the next file's table or
  // fail after the run. A tiny idle-memory limit makes jest restart its worker after each file (and
  // run in a worker even with one core to spare, rather than in band).
  workerIdleMemoryLimit: '1MB',
  // Per-project testTimeout is not honoured by jest; integration and infra tests need minutes.
  testTimeout: 180000,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts', '<rootDir>/test/e2e/**/*.test.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
    { ...common, displayName: 'infra', testMatch: ['<rootDir>/test/infra/**/*.test.ts'] },
  ],
};
