/** Jest: `unit` runs pure tests in parallel; `integration` runs tests on the real test bed, one at a time. */
const common = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  setupFiles: ['<rootDir>/test/support/jest-setup.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: { warnOnly: false } }] },
};
module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/**/*.test.ts'], testPathIgnorePatterns: ['\\.it\\.test\\.ts$'] },
    { ...common, displayName: 'integration', testMatch: ['<rootDir>/test/**/*.it.test.ts'] },
  ],
  collectCoverageFrom: ['provider/**/*.ts'],
};
