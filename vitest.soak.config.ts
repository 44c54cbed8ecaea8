import { defineConfig } from "vitest/config";

/** `npm run test:soak`: the heavy cases (dozens of writers killed mid-write, long lock timings). CI runs it after `npm test`. */
export default defineConfig({
  test: {
    include: ["test/soak/**/*.test.ts"],
    testTimeout: 300_000,
    hookTimeout: 60_000,
    pool: "forks",
    maxWorkers: 2,
  },
});
