/**
 * The keychain, asked from a helper process. The native keychain modules can block the thread that
 * calls them: @napi-rs/keyring's constructor connects to D-Bus synchronously, and a bus that accepts
 * and never answers blocks it for good. On the server's main thread that froze every tool call and
 * ping and made SIGTERM a no-op; in a worker thread it would still block the exit (Node joins its
 * workers, and libuv its thread pool, before a process ends). A helper process can always be killed.
 *
 * One helper per store, started on the first call, kept a little while for the next one, killed when
 * a call misses its deadline (it is stuck: the next call starts a fresh one) and when this process
 * exits. It never keeps this process alive by itself.
 */
import { fork, type ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { KeychainBackend } from "./keychain-backends.js";

export type BackendModule = "@napi-rs/keyring" | "keytar";

/** What the helper is asked: a module to load, or one call of that module. */
export type HelperCall = { module: BackendModule } & (
  { op: "load" } | { op: "get" | "delete"; service: string; account: string } | { op: "set"; service: string; account: string; password: string }
);
export type HelperRequest = HelperCall & { id: number };

/** The helper's answer: the call's value, or its error's message and code (a missing module's code decides the fallback). */
export type HelperResponse = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: { message: string; code?: string } };

export interface KeychainHostOptions {
  /** Each request's bound: a helper that has not answered by then is stuck, and is killed. */
  timeoutMs: number;
  /** How long an idle helper is kept for the next call. */
  idleMs?: number;
  /** The helper's entry and node options; by default keychain-helper next to this module. */
  helper?: { path: string; execArgv: string[] };
  /** The helper's environment (D-Bus address, HOME, …); this process's by default. */
  env?: NodeJS.ProcessEnv;
}

export interface KeychainHost {
  /** `module` loaded in the helper process; every call of the backend is answered there. */
  load(module: BackendModule): Promise<KeychainBackend>;
  /** End the helper now; a later call starts a new one. */
  stop(): void;
}

/** A helper that stopped answering, or ended, before answering. */
export class KeychainHelperError extends Error {
  override readonly name = "KeychainHelperError";
}

const DEFAULT_IDLE_MS = 30_000;

/** keychain-helper.js beside this module in the bundle; keychain-helper.ts, under the same TypeScript loader, from source. */
function defaultHelper(): { path: string; execArgv: string[] } {
  const self = fileURLToPath(import.meta.url);
  const extension = path.extname(self);
  return { path: path.join(path.dirname(self), `keychain-helper${extension}`), execArgv: extension === ".ts" ? process.execArgv : [] };
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

function isResponse(message: unknown): message is HelperResponse {
  const m = message as Partial<HelperResponse> | null;
  return typeof m?.id === "number" && typeof m.ok === "boolean";
}

export function createKeychainHost(options: KeychainHostOptions): KeychainHost {
  const { timeoutMs, idleMs = DEFAULT_IDLE_MS } = options;
  let child: ChildProcess | undefined;
  let idle: NodeJS.Timeout | undefined;
  let nextId = 0;
  const pending = new Map<number, Pending>();

  function failAll(error: Error): void {
    for (const [id, call] of pending) {
      clearTimeout(call.timer);
      pending.delete(id);
      call.reject(error);
    }
  }

  /** Kill the helper (SIGKILL: a stuck one cannot run a handler) and fail what it still owed. */
  function stop(reason = "the keychain helper was stopped"): void {
    clearTimeout(idle);
    const current = child;
    child = undefined;
    current?.kill("SIGKILL");
    failAll(new KeychainHelperError(reason));
  }

  function start(): ChildProcess {
    const helper = options.helper ?? defaultHelper();
    // stdout/stderr ignored: nothing a native module prints may reach this process's stdout (JSON-RPC).
    const started = fork(helper.path, [], {
      execArgv: helper.execArgv,
      env: options.env ?? process.env,
      stdio: ["ignore", "ignore", "ignore", "ipc"],
      serialization: "json",
    });
    const killAtExit = (): void => void started.kill("SIGKILL");
    process.on("exit", killAtExit);
    started.on("message", (message: unknown) => {
      if (!isResponse(message)) return;
      const call = pending.get(message.id);
      if (!call) return;
      pending.delete(message.id);
      clearTimeout(call.timer);
      if (message.ok) call.resolve(message.value);
      else call.reject(Object.assign(new Error(message.error.message), message.error.code ? { code: message.error.code } : {}));
      if (pending.size === 0) idleSoon();
    });
    const ended = (why: string) => {
      process.off("exit", killAtExit);
      if (child !== started) return;
      child = undefined;
      failAll(new KeychainHelperError(`the keychain helper process ${why}`));
    };
    started.on("error", (error) => ended(`could not run: ${error.message}`));
    started.on("exit", (code, signal) => ended(`ended (${signal ?? `exit code ${code}`})`));
    // Neither the process nor its channel keeps this process alive; a pending call's timer does.
    started.unref();
    started.channel?.unref();
    return started;
  }

  function idleSoon(): void {
    clearTimeout(idle);
    idle = setTimeout(() => {
      if (pending.size > 0 || !child) return;
      const current = child;
      child = undefined;
      current.disconnect(); // the helper exits when its channel closes
    }, idleMs);
    idle.unref();
  }

  function request(message: HelperCall): Promise<unknown> {
    clearTimeout(idle);
    child ??= start();
    const id = ++nextId;
    const target = child;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => stop(`the keychain did not answer within ${timeoutMs} ms (the helper process was stopped)`), timeoutMs);
      pending.set(id, { resolve, reject, timer });
      target.send({ ...message, id } satisfies HelperRequest, (error) => {
        if (!error) return;
        const call = pending.get(id);
        if (!call) return;
        pending.delete(id);
        clearTimeout(timer);
        reject(new KeychainHelperError(`the keychain helper process could not be asked: ${error.message}`));
      });
    });
  }

  async function load(module: BackendModule): Promise<KeychainBackend> {
    const name = await request({ module, op: "load" });
    return {
      name: typeof name === "string" ? name : module,
      getPassword: async (service, account) => {
        const value = await request({ module, op: "get", service, account });
        return typeof value === "string" ? value : null;
      },
      setPassword: async (service, account, password) => void (await request({ module, op: "set", service, account, password })),
      deletePassword: async (service, account) => (await request({ module, op: "delete", service, account })) === true,
    };
  }

  return { load, stop: () => stop() };
}
