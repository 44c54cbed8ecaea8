/**
 * A module of src/ loaded afresh, inside the running test, with a new module graph under it.
 *
 * Why: a module-level constant (a set of error codes, a size cap) is computed once, when its module
 * loads. Stryker (stryker.config.mjs, ignoreStatic) tries a mutant of such a constant only against the
 * tests that load the module while they run, so a test that checks a constant's effect loads the module
 * itself through this, or no mutant of that constant could ever fail it.
 */
import { vi } from "vitest";

export async function freshly<T>(load: () => Promise<T>): Promise<T> {
  vi.resetModules();
  return load();
}
