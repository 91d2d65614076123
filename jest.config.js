/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  // Type checking is done once by `tsc --noEmit` in `npm test`; isolated transpilation keeps jest fast.
  transform: { "^.+\\.ts$": ["ts-jest", { diagnostics: false }] },
  reporters: ["default", "<rootDir>/test/summary-reporter.js"],
  setupFilesAfterEnv: ["<rootDir>/test/setup.ts"],
  testTimeout: 180000,
  // Jest's default is cores - 1 (one worker on a 2-core CI machine, so files run one after another);
  // the plan-heavy files wait on terraform processes, so one worker per core overlaps them with the
  // synth-only files: jest 91 s -> 66 s on 2 cores (bench/test-time.ts).
  maxWorkers: "100%",
};
