import { defineConfig } from "vitest/config";

/**
 * `npm test`: test/unit (in process: imports src/, the tests Stryker mutates against) and test/e2e
 * (spawned: the built server over stdio, the CLI, the packed tarball). The long soak cases live in
 * test/soak and run with `npm run test:soak` (vitest.soak.config.ts).
 */
export default defineConfig({
  test: {
    include: ["test/unit/**/*.test.ts", "test/e2e/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Most spawned tests wait on peers and timers, not on the CPU: at two workers a 2-core machine sat
    // half idle (1.1 cores busy on average). Four keep it busy without starving the timing-sensitive ones.
    maxWorkers: 4,
  },
});
