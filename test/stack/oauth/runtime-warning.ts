/**
 * oidc-provider warns "Unsupported runtime. Use Node.js v22.x LTS…" on import under Node 20 (it
 * checks `process.release.lts`, with no option or variable to turn it off), and the tests run it on
 * Node 20 on purpose: that is our engines floor. Imported just before oidc-provider, this drops that
 * one line while the module loads; `restoreConsoleWarn()` puts console.warn back right after.
 */
const original = console.warn;
const UNSUPPORTED_RUNTIME = /^oidc-provider WARNING: Unsupported runtime\./;

console.warn = (...args: unknown[]): void => {
  if (typeof args[0] === "string" && UNSUPPORTED_RUNTIME.test(args[0])) return;
  original(...args);
};

export function restoreConsoleWarn(): void {
  console.warn = original;
}
