/**
 * SignInCoordinator alone, in process: a started flow the test settles by hand, a recording UI and
 * browser. Waits end on events (the result settling, an abort, a progress tick), never on a sleep.
 */
import { describe, expect, it, afterEach, beforeEach, vi } from "vitest";
import { SignInError } from "../../../src/auth/errors.js";
import { StoreError } from "../../../src/auth/store/types.js";
import type { PendingAuthorization, PollOutcome } from "../../../src/auth/flows/pending.js";
import { SignInCoordinator, instructions } from "../../../src/auth/signin.js";
import type { SignInDeps } from "../../../src/auth/signin.js";
import type { CredentialRecord } from "../../../src/auth/store/types.js";
import type { SignInUi } from "../../../src/auth/ui.js";
import type { Logger } from "../../../src/core/log.js";
import type { CallContext, ElicitationAnswer, LinkChannel, SignInPrompt } from "../../../src/auth/types.js";
import { getEventListeners } from "node:events";
import { silentLogger } from "../../../src/core/log.js";

const PROMPT: SignInPrompt = {
  verificationUrl: "https://cronicorn.example/device/approve?user_code=ABCD",
  userCode: "ABCD",
  flow: "device",
  expiresAt: "2030-01-01T00:00:00.000Z",
};
const RECORD = { access_token: "signin-access-token" } as CredentialRecord;

/** A started device flow whose result and polls the test settles. */
function flow(prompt: SignInPrompt = PROMPT) {
  let resolve!: (r: CredentialRecord) => void;
  let reject!: (e: unknown) => void;
  const result = new Promise<CredentialRecord>((res, rej) => ((resolve = res), (reject = rej)));
  result.catch(() => undefined);
  let cancelled = 0;
  const pollWaiters: Array<(outcome: PollOutcome) => void> = [];
  const auth: PendingAuthorization = {
    prompt,
    result,
    cancel: () => void (cancelled += 1),
    nextPoll: () => new Promise<PollOutcome>((res) => pollWaiters.push(res)),
  };
  /** The next poll happens and finds `outcome`. */
  const poll = (outcome: PollOutcome) => {
    for (const waiter of pollWaiters.splice(0)) waiter(outcome);
  };
  return { auth, resolve, reject, poll, waitingForPoll: () => pollWaiters.length, cancelled: () => cancelled };
}

function harness(
  options: {
    opened?: boolean;
    elicitation?: "accept" | "decline" | "fails" | "none";
    noticesReachUser?: boolean;
    waitMs?: number;
    whileWaiting?: string;
    progressEveryMs?: number;
  } = {},
) {
  const flows: Array<ReturnType<typeof flow>> = [];
  const events: string[] = [];
  const adopted: CredentialRecord[] = [];
  const logs: string[] = [];
  const logger: Logger = {
    debug: (m) => logs.push(`debug ${m}`),
    info: (m) => logs.push(`info ${m}`),
    warn: (m) => logs.push(`warn ${m}`),
    error: (m) => logs.push(`error ${m}`),
  };
  const elicitation = options.elicitation ?? "none";
  const ui: SignInUi = {
    notify: (m) => void events.push(`notify ${m}`),
    ...(options.noticesReachUser !== undefined ? { noticesReachUser: options.noticesReachUser } : {}),
    stateChanged: () => void events.push("state"),
  };
  // A 2025-era client that declared URL elicitation: the link is pushed to it.
  const channel: LinkChannel =
    elicitation === "none"
      ? {}
      : {
          elicitUrl: async (id, url, message): Promise<ElicitationAnswer> => {
            events.push(`elicit ${id} ${url} ${message}`);
            if (elicitation === "fails") throw new Error("client went away");
            return elicitation === "accept" ? "accept" : "decline";
          },
          completeElicitation: async (id) => void events.push(`complete ${id}`),
        };
  const deps: SignInDeps = {
    start: async () => {
      const f = flow();
      flows.push(f);
      return f.auth;
    },
    openBrowser: async (url) => {
      events.push(`browser ${url}`);
      return options.opened ?? false;
    },
    adopt: async (r) => void adopted.push(r),
    ui,
    waitMs: options.waitMs ?? 600_000,
    logger,
    ...(options.progressEveryMs !== undefined ? { progressEveryMs: options.progressEveryMs } : {}),
    ...(options.whileWaiting !== undefined ? { whileWaiting: options.whileWaiting } : {}),
  };
  const coordinator = new SignInCoordinator(deps);
  /** One tool call's wait, through this client's channel. */
  const awaitSignIn = (context: CallContext) => coordinator.awaitSignIn({ ...context, link: channel });
  return { coordinator, awaitSignIn, channel, flows, events, adopted, logs };
}

function call(onProgress?: (p: number, total: number | undefined, message: string) => void) {
  const controller = new AbortController();
  const context: CallContext = { signal: controller.signal, progress: async (p, t, m) => onProgress?.(p, t, m) };
  return { context, abort: () => controller.abort() };
}

/** Resolves once `predicate` holds, checking after each turn of the event loop. */
async function until(predicate: () => boolean): Promise<void> {
  while (!predicate()) await new Promise((resolve) => setImmediate(resolve));
}

const MESSAGE =
  "Sign in to Cronicorn: open https://cronicorn.example/device/approve?user_code=ABCD and confirm the code ABCD, then ask again. (The code is valid until 2030-01-01T00:00:00.000Z.)";
/** What a caller that waits is told: no "ask again", the call goes on by itself. */
const WAITING =
  "Sign in to Cronicorn: open https://cronicorn.example/device/approve?user_code=ABCD and confirm the code ABCD, and this request continues by itself once you approve. (The code is valid until 2030-01-01T00:00:00.000Z.)";

describe("instructions", () => {
  it("names the code and its validity for the device flow, only the page for the browser flow", () => {
    expect(instructions(PROMPT)).toBe(MESSAGE);
    expect(instructions({ verificationUrl: "https://x/authorize", flow: "pkce", expiresAt: "t" }, "then wait")).toBe(
      "Sign in to Cronicorn: open https://x/authorize in your browser and approve access, then wait.",
    );
  });
});

describe("SignInCoordinator", () => {
  it("answers at once with the link when nobody can see it here", async () => {
    const h = harness();
    const outcome = await h.awaitSignIn(call().context);
    expect(outcome).toEqual({ state: "pending", prompt: PROMPT, message: MESSAGE });
    expect(h.events).toEqual([`browser ${PROMPT.verificationUrl}`, `notify ${MESSAGE}`, "state"]);
    expect(h.coordinator.prompt).toEqual(PROMPT);
  });

  it("waits when a browser opened, says so, and adopts the approved record", async () => {
    const h = harness({ opened: true, whileWaiting: "then wait here" });
    const waiting = h.awaitSignIn(call().context);
    await until(() => h.flows.length === 1 && h.events.some((e) => e.startsWith("notify")));
    expect(h.events).toContain(`notify ${instructions(PROMPT, "then wait here")} (A browser window was opened for you.)`);
    h.flows[0]!.resolve(RECORD);
    expect(await waiting).toEqual({ state: "ready" });
    expect(h.adopted).toEqual([RECORD]);
    expect(h.logs).toEqual(["info Signed in to Cronicorn."]);
    expect(h.coordinator.prompt).toBeUndefined();
    expect(h.events.filter((e) => e === "state")).toHaveLength(2); // started, ended
  });

  it("waits when the terminal shows the notice", async () => {
    const h = harness({ noticesReachUser: true });
    const waiting = h.awaitSignIn(call().context);
    await until(() => h.flows.length === 1);
    h.flows[0]!.resolve(RECORD);
    expect(await waiting).toEqual({ state: "ready" });
  });

  it("waits when the client accepted the URL elicitation, and completes it after the sign-in", async () => {
    const h = harness({ elicitation: "accept" });
    const waiting = h.awaitSignIn(call().context);
    await until(() => h.events.some((e) => e.startsWith("elicit")));
    h.flows[0]!.resolve(RECORD);
    expect(await waiting).toEqual({ state: "ready" });
    const id = h.events.find((e) => e.startsWith("elicit"))!.split(" ")[1];
    expect(h.events.find((e) => e.startsWith("elicit"))).toBe(`elicit ${id} ${PROMPT.verificationUrl} ${WAITING}`);
    expect(h.events).toContain(`complete ${id}`);
  });

  it("still asks the client to show the link when a browser opened", async () => {
    const h = harness({ elicitation: "decline", opened: true });
    const waiting = h.awaitSignIn(call().context);
    await until(() => h.events.some((e) => e.startsWith("elicit")));
    h.flows[0]!.resolve(RECORD);
    expect(await waiting).toEqual({ state: "ready" });
    expect(h.events.some((e) => e.startsWith("complete"))).toBe(true);
  });

  it("a declined or failed elicitation answers with the link", async () => {
    const declined = harness({ elicitation: "decline" });
    expect((await declined.awaitSignIn(call().context)).state).toBe("pending");
    const failed = harness({ elicitation: "fails" });
    expect((await failed.awaitSignIn(call().context)).state).toBe("pending");
    expect(failed.logs).toEqual(["debug URL elicitation not completed: client went away"]);
  });

  it("a denied sign-in is the call's error, is logged, and ends the pending sign-in", async () => {
    const h = harness({ opened: true });
    const waiting = h.awaitSignIn(call().context);
    await until(() => h.flows.length === 1);
    h.flows[0]!.reject(new SignInError("denied in the browser"));
    await expect(waiting).rejects.toThrow("denied in the browser");
    expect(h.logs).toEqual(["warn denied in the browser"]);
    await until(() => h.coordinator.prompt === undefined);
    expect(h.adopted).toEqual([]);
  });

  it("a failure that is not an Error is logged as text", async () => {
    const h = harness({ opened: true });
    const waiting = h.awaitSignIn(call().context);
    await until(() => h.flows.length === 1);
    h.flows[0]!.reject("plain failure");
    await expect(waiting).rejects.toBe("plain failure");
    expect(h.logs).toEqual(["warn plain failure"]);
  });

  it("answers with the link when the wait runs out, and the flow keeps going", async () => {
    const h = harness({ opened: true, waitMs: 1 });
    expect((await h.awaitSignIn(call().context)).state).toBe("pending");
    expect(h.flows[0]!.cancelled()).toBe(0);
    h.flows[0]!.resolve(RECORD);
    await until(() => h.adopted.length === 1);
  });

  it("answers with the link when the call is cancelled", async () => {
    const h = harness({ opened: true, progressEveryMs: 1 });
    // Aborted from the first progress tick, while the wait is listening.
    const c: ReturnType<typeof call> = call(() => c.abort());
    expect((await h.awaitSignIn(c.context)).state).toBe("pending");
  });

  it("answers at once for a call cancelled before the wait began", async () => {
    // A wait far longer than the test's timeout: only noticing the earlier cancel lets this finish.
    const h = harness({ opened: true, waitMs: 3_600_000 });
    const c = call();
    c.abort();
    expect((await h.awaitSignIn(c.context)).state).toBe("pending");
  });

  it("reports progress while it waits", async () => {
    const h = harness({ opened: true, progressEveryMs: 1, waitMs: 600_000 });
    const ticks: Array<[number, number | undefined, string]> = [];
    const waiting = h.awaitSignIn(call((p, t, m) => ticks.push([p, t, m])).context);
    await until(() => ticks.length >= 1);
    h.flows[0]!.resolve(RECORD);
    await waiting;
    expect(ticks[0]![1]).toBe(600_000);
    expect(ticks[0]![0]).toBeGreaterThanOrEqual(0);
    expect(ticks[0]![2]).toBe(`Waiting for you to approve the sign-in: ${WAITING} (A browser window was opened for you.)`);
    const count = ticks.length;
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(ticks.length).toBe(count); // the ticker stopped with the wait
  });

  it("concurrent calls share one sign-in", async () => {
    const h = harness();
    const both = Promise.all([h.awaitSignIn(call().context), h.awaitSignIn(call().context)]);
    // The second joined the sign-in the first started, so it waits for the next poll.
    await until(() => h.flows[0]?.waitingForPoll() === 1);
    h.flows[0]!.poll("pending");
    const [a, b] = await both;
    expect(h.flows).toHaveLength(1);
    expect(a).toEqual(b);
    const third = h.awaitSignIn(call().context);
    await until(() => h.flows[0]!.waitingForPoll() === 1);
    h.flows[0]!.poll("pending");
    expect((await third).state).toBe("pending");
    expect(h.flows).toHaveLength(1);
  });

  it("cancel stops the pending sign-in; with none it does nothing", async () => {
    const h = harness();
    h.coordinator.cancel();
    expect(h.events).toEqual([]);
    await h.awaitSignIn(call().context);
    h.coordinator.cancel();
    expect(h.flows[0]!.cancelled()).toBe(1);
    expect(h.coordinator.prompt).toBeUndefined();
    expect(h.events.filter((e) => e === "state")).toHaveLength(2);
    await h.awaitSignIn(call().context);
    expect(h.flows).toHaveLength(2);
  });

  it("an old sign-in that ends later does not clear the new one", async () => {
    const h = harness();
    await h.awaitSignIn(call().context);
    h.coordinator.cancel();
    await h.awaitSignIn(call().context);
    const states = h.events.filter((e) => e === "state").length;
    h.flows[0]!.reject(new SignInError("The sign-in was cancelled."));
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    expect(h.coordinator.prompt).toBe(h.flows[1]!.auth.prompt);
    expect(h.events.filter((e) => e === "state")).toHaveLength(states);
  });
});

describe("SignInCoordinator: a call that joins a device sign-in in progress", () => {
  it("waits for the next poll and returns the real result once an approval lands there, with no second link", async () => {
    const h = harness({ waitMs: 1 });
    expect((await h.awaitSignIn(call().context)).state).toBe("pending"); // the first call shows the link and returns
    const joining = h.awaitSignIn(call().context);
    await until(() => h.flows[0]!.waitingForPoll() === 1);
    h.flows[0]!.poll("approved");
    h.flows[0]!.resolve(RECORD);
    expect(await joining).toEqual({ state: "ready" });
    expect(h.flows).toHaveLength(1);
    expect(h.events.filter((e) => e.startsWith("notify"))).toHaveLength(1);
  });

  it("answers with the same link ('then ask again') when the next poll finds it still pending", async () => {
    const h = harness();
    await h.awaitSignIn(call().context);
    const joining = h.awaitSignIn(call().context);
    await until(() => h.flows[0]!.waitingForPoll() === 1);
    h.flows[0]!.poll("pending");
    expect(await joining).toEqual({ state: "pending", prompt: PROMPT, message: MESSAGE });
    expect(h.flows).toHaveLength(1);
  });

  it("does not wait for a poll when it starts the sign-in itself (the user has not seen the link yet)", async () => {
    const h = harness();
    expect((await h.awaitSignIn(call().context)).state).toBe("pending");
    expect(h.flows[0]!.waitingForPoll()).toBe(0);
  });

  it("answers at once when the flow has no polls (browser sign-in)", async () => {
    const h = harness();
    await h.awaitSignIn(call().context);
    delete (h.flows[0]!.auth as { nextPoll?: unknown }).nextPoll;
    expect((await h.awaitSignIn(call().context)).state).toBe("pending");
  });

  it("stops waiting for the poll when the call is cancelled", async () => {
    const h = harness();
    await h.awaitSignIn(call().context);
    const c = call();
    const joining = h.awaitSignIn(c.context);
    await until(() => h.flows[0]!.waitingForPoll() === 1);
    c.abort();
    expect((await joining).state).toBe("pending");
  });
});

describe("SignInCoordinator: begin", () => {
  it("starts one sign-in and says what a client that opens the link shows, without 'ask again'", async () => {
    const h = harness();
    const [a, b] = await Promise.all([h.coordinator.begin(), h.coordinator.begin()]);
    expect(a).toEqual({ prompt: PROMPT, message: WAITING });
    expect(b).toEqual(a);
    expect(h.flows).toHaveLength(1);
  });
});

describe("SignInCoordinator: an approved sign-in that cannot be saved", () => {
  const refused = new StoreError("Could not write /home/u/.cronicorn/credentials.json (EROFS): the file system is read-only.");

  it("is the waiting call's error, is logged as an error and told to the user, and the next call says it was lost", async () => {
    const h = harness();
    const failing = (h as unknown as { coordinator: { deps: { adopt: () => Promise<void> } } }).coordinator;
    failing.deps.adopt = async () => {
      throw refused;
    };
    // This caller has seen the link (a 2026 client's URL round), so it waits for the approval.
    const waiting = h.coordinator.awaitSignIn({ ...call().context, link: { shown: true } });
    await until(() => h.flows.length === 1);
    h.flows[0]!.resolve(RECORD);
    await expect(waiting).rejects.toBe(refused);
    const lost = `Your last sign-in was approved, but it could not be saved, so it is lost: ${refused.message}`;
    expect(h.logs).toContain(`error ${lost}`);
    expect(h.events).toContain(`notify ${lost}`);
    await until(() => h.coordinator.prompt === undefined);
    const next = await harnessCall(h);
    expect(next).toMatchObject({
      state: "pending",
      message: expect.stringMatching(/^Your last sign-in was approved, but it could not be saved, so it is lost: .* Sign in to Cronicorn:/),
    });
    // Said once: the next caller joins that new sign-in and hears only about it.
    const later = harnessCall(h);
    await until(() => h.flows[1]!.waitingForPoll() === 1);
    h.flows[1]!.poll("pending");
    const after = await later;
    expect(after).toMatchObject({ state: "pending", message: expect.stringMatching(/^Sign in to Cronicorn:/) });
  });

  /** A call that does not wait (the link cannot be opened here). */
  async function harnessCall(h: ReturnType<typeof harness>) {
    return h.coordinator.awaitSignIn(call().context);
  }
});

/**
 * SignInCoordinator's edges, in process: progress timing under vitest's fake clock, a UI that does not
 * implement the optional hooks, and what a finished wait leaves on the caller's abort signal.
 */
describe("SignInCoordinator at its edges", () => {
  const PROMPT: SignInPrompt = { verificationUrl: "https://cronicorn.example/authorize?state=s1", flow: "pkce", expiresAt: "2030-01-01T00:00:00.000Z" };
  const OPENED = `${instructions(PROMPT)} (A browser window was opened for you.)`;
  const OPENED_WAITING = `${instructions(PROMPT, "and this request continues by itself once you approve")} (A browser window was opened for you.)`;

  /** A coordinator whose flows the test settles; `ui` replaces the default UI (URL elicitation unsupported). */
  function coordinator(options: { ui?: SignInUi; opened?: boolean; waitMs?: number; progressEveryMs?: number } = {}) {
    const settle: Array<(record: CredentialRecord) => void> = [];
    const cancelled: number[] = [];
    const events: string[] = [];
    const ui: SignInUi = options.ui ?? {
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
      expect(c.ticks).toEqual([[every, waitMs, `Waiting for you to approve the sign-in: ${OPENED_WAITING}`]]);
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
      expect(events).toEqual([`notify ${OPENED_WAITING}`, "state", "adopt edge-access-token", "state"]);
    });

    it("a UI without stateChanged still starts, finishes and cancels sign-ins", async () => {
      const notices: string[] = [];
      const ui: SignInUi = { notify: (m) => void notices.push(m) };
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
      expect(notices).toEqual([OPENED_WAITING, OPENED_WAITING]);
    });
  });
});
