/**
 * The in-process tests only: they import src/ directly, so Stryker's mutants reach them. Tests that
 * spawn the built server (dist/) never see a mutant and would only add minutes to every run.
 * (Not mergeConfig with vitest.config.ts: it concatenates `include` lists, bringing them all back.)
 */
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/unit/**/*.test.ts", "test/store/**/*.test.ts", "test/auth/**/*.unit.test.ts"],
    // Crash safety is proven by child processes, which never load a mutant: 30 spawns per mutant for nothing.
    // The real-Secret-Service tests likewise drive gnome-keyring through child processes, and hang in
    // Stryker's sandbox; they have their own file so the stub-backed keychain tests stay in.
    // install-links runs the built CLI (no dist/ in the sandbox) and covers src/install, which is not mutated.
    exclude: ["test/store/crash.test.ts", "test/store/keychain-secret-service.test.ts", "test/unit/install-links.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});
