/** Type checking is `tsc --noEmit` in `npm test`; ts-jest only transpiles, which keeps the suite fast. */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/tests"],
  testMatch: ["**/*.test.ts"],
  transform: {
    "^.+\\.ts$": ["ts-jest", { diagnostics: false }],
  },
  testTimeout: 60000,
  setupFilesAfterEnv: ["<rootDir>/tests/support/scratch-tmpdir.ts"],
  // The e2e files spend most of their time waiting on the processes they started (outages,
  // scrapes, block cuts, the engine): three files at once on 2 cores keeps both busy, where
  // jest's default of one worker per spare core would run them one after another.
  maxWorkers: 3,
};
