/**
 * SignInCoordinator's edges, in process: progress timing under vitest's fake clock, a UI that does not
 * implement the optional hooks, and what a finished wait leaves on the caller's abort signal.
 */
import { getEventListeners } from "node:events";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { PendingAuthorization } from "../../src/auth/flows/pending.js";
import { SignInCoordinator, instructions } from "../../src/auth/signin.js";
import type { SignInDeps } from "../../src/auth/signin.js";
import type { CredentialRecord } from "../../src/auth/store/types.js";
import type { SignInUi } from "../../src/auth/ui.js";
import { silentLogger } from "../../src/log.js";
import type { CallContext, SignInPrompt } from "../../src/tools/context.js";

const PROMPT: SignInPrompt = { verificationUrl: "https://cronicorn.example/authorize?state=s1", flow: "pkce", expiresAt: "2030-01-01T00:00:00.000Z" };
const OPENED = `${instructions(PROMPT)} (A browser window was opened for you.)`;

/** A coordinator whose flows the test settles; `ui` replaces the default UI (URL elicitation unsupported). */
function coordinator(options: { ui?: SignInUi; opened?: boolean; waitMs?: number; progressEveryMs?: number } = {}) {
  const settle: Array<(record: CredentialRecord) => void> = [];
  const cancelled: number[] = [];
  const events: string[] = [];
  const ui: SignInUi = options.ui ?? {
    supportsUrlElicitation: () => false,
    elicitUrl: async () => "decline",
    completeElicitation: async (id) => void events.push(`complete ${id}`),
    notify: (m) => void events.push(`notify ${m}`),
    stateChanged: () => void events.push("state"),
  };
  const deps: SignInDeps = {
    start: async (): Promise<PendingAuthorization> => {
      const n = settle.length;
      cancelled.push(0);
      const result = new Promise<CredentialRecord>((resolve) => settle.push(resolve));
      return { prompt: PROMPT, result, cancel: () => void (cancelled[n]! += 1) };
    },
    openBrowser: async () => options.opened ?? true,
    adopt: async (r) => void events.push(`adopt ${r.access_token}`),
    ui,
    waitMs: options.waitMs ?? 600_000,
    logger: silentLogger,
    ...(options.progressEveryMs !== undefined ? { progressEveryMs: options.progressEveryMs } : {}),
  };
  return { signIn: new SignInCoordinator(deps), settle, cancelled, events };
}

function call() {
  const controller = new AbortController();
  const ticks: Array<[number, number | undefined, string]> = [];
  const context: CallContext = { signal: controller.signal, progress: async (p, t, m) => void ticks.push([p, t, m]) };
  return { context, ticks, abort: () => controller.abort() };
}

const RECORD = { access_token: "edge-access-token" } as CredentialRecord;

afterEach(() => {
  vi.useRealTimers();
});

describe("progress while waiting", () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date"] });
  });

  it.each([
    { progressEveryMs: 50, waitMs: 1000, every: 50 },
    { progressEveryMs: undefined, waitMs: 600_000, every: 2000 },
  ])("reports the time waited out of the whole wait every $every ms (progressEveryMs $progressEveryMs)", async ({ progressEveryMs, waitMs, every }) => {
    const { signIn, settle } = coordinator({ progressEveryMs, waitMs });
    const c = call();
    const waiting = signIn.awaitSignIn(c.context);
    await vi.advanceTimersByTimeAsync(every - 1);
    expect(c.ticks).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(c.ticks).toEqual([[every, waitMs, `Waiting for sign-in approval: ${OPENED}`]]);
    await vi.advanceTimersByTimeAsync(every);
    expect(c.ticks.map(([p]) => p)).toEqual([every, 2 * every]);
    settle[0]!(RECORD);
    expect(await waiting).toEqual({ state: "ready" });
  });

  it("answers with the link once the wait runs out, with no progress after it", async () => {
    const { signIn } = coordinator({ progressEveryMs: 100, waitMs: 250 });
    const c = call();
    const waiting = signIn.awaitSignIn(c.context);
    await vi.advanceTimersByTimeAsync(250);
    expect(await waiting).toEqual({ state: "pending", prompt: PROMPT, message: OPENED });
    await vi.advanceTimersByTimeAsync(1000);
    expect(c.ticks.map(([p]) => p)).toEqual([100, 200]);
  });
});

describe("the caller's abort signal", () => {
  it("holds no listener of the wait once the sign-in finished", async () => {
    const { signIn, settle } = coordinator();
    const c = call();
    const waiting = signIn.awaitSignIn(c.context);
    await vi.waitFor(() => expect(getEventListeners(c.context.signal, "abort")).toHaveLength(1));
    settle[0]!(RECORD);
    await waiting;
    expect(getEventListeners(c.context.signal, "abort")).toEqual([]);
  });

  it("holds no listener of the wait when it answered with the link at once", async () => {
    const { signIn } = coordinator({ opened: false });
    const c = call();
    expect((await signIn.awaitSignIn(c.context)).state).toBe("pending");
    expect(getEventListeners(c.context.signal, "abort")).toEqual([]);
  });
});

describe("optional UI hooks", () => {
  it("without URL elicitation, a finished sign-in completes no elicitation", async () => {
    const { signIn, settle, events } = coordinator();
    const waiting = signIn.awaitSignIn(call().context);
    await vi.waitFor(() => expect(signIn.prompt).toEqual(PROMPT));
    settle[0]!(RECORD);
    expect(await waiting).toEqual({ state: "ready" });
    expect(events).toEqual([`notify ${OPENED}`, "state", "adopt edge-access-token", "state"]);
  });

  it("a UI without stateChanged still starts, finishes and cancels sign-ins", async () => {
    const notices: string[] = [];
    const ui: SignInUi = { supportsUrlElicitation: () => false, elicitUrl: async () => "decline", completeElicitation: async () => undefined, notify: (m) => void notices.push(m) };
    const { signIn, settle, cancelled } = coordinator({ ui });
    const first = signIn.awaitSignIn(call().context);
    await vi.waitFor(() => expect(signIn.prompt).toEqual(PROMPT));
    settle[0]!(RECORD);
    expect(await first).toEqual({ state: "ready" });
    await vi.waitFor(() => expect(signIn.prompt).toBeUndefined());

    const second = call();
    const waiting = signIn.awaitSignIn(second.context);
    await vi.waitFor(() => expect(signIn.prompt).toEqual(PROMPT));
    signIn.cancel();
    expect(cancelled).toEqual([0, 1]);
    expect(signIn.prompt).toBeUndefined();
    second.abort();
    expect((await waiting).state).toBe("pending");
    expect(notices).toEqual([OPENED, OPENED]);
  });
});
