import { configDefaults, defineConfig } from "vitest/config";

/**
 * Test files that replace a module (vi.mock of node:fs) or time a helper process against the clock: a
 * module graph shared with other files would hand them, or the next file, the wrong module or a busy one.
 */
const OWN_MODULES = ["test/unit/auth/store/file.test.ts", "test/unit/auth/store/keychain.test.ts", "test/unit/tools/define.test.ts"];

/**
 * `npm test`: test/e2e (spawned: the built server over stdio, the CLI, the packed tarball) and test/unit
 * (in process: imports src/, the tests Stryker mutates against). The long soak cases live in test/soak
 * and run with `npm run test:soak` (vitest.soak.config.ts).
 *
 * Projects start their files in name order: e2e first, as its files are the long ones, so the short
 * in-process files fill the end of the run. Both share one module graph per worker instead of one per
 * file: loading the SDK, zod, the helpers and src/ again for each of ~130 files was a fifth of the
 * suite's CPU time. A test that needs a module evaluated afresh says so (test/helpers/fresh-module.ts).
 */
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Most spawned tests wait on peers and timers, not on the CPU: at two workers a 2-core machine sat
    // half idle (1.1 cores busy on average). Four keep it busy without starving the timing-sensitive ones.
    maxWorkers: 4,
    projects: [
      { extends: true, test: { name: "e2e", include: ["test/e2e/**/*.test.ts"], isolate: false } },
      { extends: true, test: { name: "unit", include: ["test/unit/**/*.test.ts"], exclude: [...configDefaults.exclude, ...OWN_MODULES], isolate: false } },
      { extends: true, test: { name: "unit-isolated", include: OWN_MODULES } },
    ],
  },
});
