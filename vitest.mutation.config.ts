/**
 * The in-process tests only: they import src/ directly, so Stryker's mutants reach them. Tests that
 * spawn the built server (dist/) never see a mutant and would only add minutes to every run.
 */
import { defineConfig, mergeConfig } from "vitest/config";
import base from "./vitest.config.js";

export default mergeConfig(
  base,
  defineConfig({
    test: {
      include: ["test/unit/**/*.test.ts", "test/store/**/*.test.ts", "test/auth/**/*.unit.test.ts"],
    },
  }),
);
