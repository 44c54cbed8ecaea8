/**
 * One pending sign-in per server, shared by every tool call that needs it. A call waits only while
 * the user can act on the link (a browser was opened, the client accepted the URL elicitation, or
 * the message is printed where they read it) and then for a bounded time, with progress
 * notifications. Otherwise it answers at once with the link and code; either way the flow keeps
 * polling in the background, so the next call succeeds without a new code.
 */
import { randomUUID } from "node:crypto";
import type { Logger } from "../core/log.js";

import type { PendingAuthorization } from "./flows/pending.js";
import type { CredentialRecord } from "./store/types.js";
import type { SignInUi } from "./ui.js";
import type { CallContext, SignInGate, SignInOutcome, SignInPrompt } from "./types.js";

export interface SignInDeps {
  /** Choose a flow and start it. */
  start(): Promise<PendingAuthorization>;
  /** Try to open the browser on `url`; false when there is none here. */
  openBrowser(url: string): Promise<boolean>;
  /** Persist and use the new credential. */
  adopt(record: CredentialRecord): Promise<void>;
  ui: SignInUi;
  waitMs: number;
  logger: Logger;
  /** How often a waiting call reports progress. */
  progressEveryMs?: number;
  /** What the user does after approving; default "then ask again". */
  thenWhat?: string;
}

interface Pending {
  auth: PendingAuthorization;
  message: string;
  /** Settles when the sign-in ended: resolved on success, rejected with the reason otherwise. */
  done: Promise<void>;
  /** Whether the user can act on the link now: true once a browser opened or the elicitation was accepted. */
  reachable: Promise<boolean>;
}

/** `thenWhat` says what the user does after approving (an MCP user asks again; a terminal just waits). */
export function instructions(prompt: SignInPrompt, thenWhat = "then ask again"): string {
  return prompt.userCode
    ? `Sign in to Cronicorn: open ${prompt.verificationUrl} and confirm the code ${prompt.userCode}, ${thenWhat}. (The code is valid until ${prompt.expiresAt}.)`
    : `Sign in to Cronicorn: open ${prompt.verificationUrl} in your browser and approve access, ${thenWhat}.`;
}

export class SignInCoordinator implements SignInGate {
  private pending: Pending | null = null;
  private starting: Promise<Pending> | null = null;

  constructor(private readonly deps: SignInDeps) {}

  /** The prompt of the sign-in in progress, if any (for status). */
  get prompt(): SignInPrompt | undefined {
    return this.pending?.auth.prompt;
  }

  cancel(): void {
    if (!this.pending) return;
    this.pending.auth.cancel();
    this.pending = null;
    this.deps.ui.stateChanged?.();
  }

  async awaitSignIn(call: CallContext): Promise<SignInOutcome> {
    const pending = await this.begin();
    const finished = await this.wait(pending, call);
    if (finished) {
      await pending.done; // rethrows the SignInError of a denied or expired sign-in
      return { state: "ready" };
    }
    return { state: "pending", prompt: pending.auth.prompt, message: pending.message };
  }

  /** Start a sign-in, or join the one in progress. */
  begin(): Promise<Pending> {
    if (this.pending) return Promise.resolve(this.pending);
    this.starting ??= this.startNew().finally(() => {
      this.starting = null;
    });
    return this.starting;
  }

  private async startNew(): Promise<Pending> {
    const auth = await this.deps.start();
    const elicitationId = randomUUID();
    const useElicitation = this.deps.ui.supportsUrlElicitation();
    const opened = await this.deps.openBrowser(auth.prompt.verificationUrl);
    const message = `${instructions(auth.prompt, this.deps.thenWhat)}${opened ? " (A browser window was opened for you.)" : ""}`;

    const done = auth.result.then(
      async (record) => {
        await this.deps.adopt(record);
        this.deps.logger.info("Signed in to Cronicorn.");
        if (useElicitation) await this.deps.ui.completeElicitation(elicitationId).catch(() => undefined);
      },
      (error: unknown) => {
        this.deps.logger.warn(error instanceof Error ? error.message : String(error));
        throw error;
      },
    );
    this.deps.ui.notify(message);
    const pending: Pending = { auth, message, done, reachable: this.reachable(opened, useElicitation, elicitationId, auth.prompt.verificationUrl, message) };
    const ended = () => {
      if (this.pending !== pending) return;
      this.pending = null;
      this.deps.ui.stateChanged?.();
    };
    done.then(ended, ended);
    this.pending = pending;
    this.deps.ui.stateChanged?.();
    return pending;
  }

  /** Can the user see the link? A declined, cancelled or failed elicitation counts as "no". */
  private reachable(opened: boolean, useElicitation: boolean, elicitationId: string, url: string, message: string): Promise<boolean> {
    const elicited = useElicitation
      ? this.deps.ui.elicitUrl(elicitationId, url, message).then(
          (answer) => answer === "accept",
          (error: unknown) => {
            this.deps.logger.debug(`URL elicitation not completed: ${error instanceof Error ? error.message : String(error)}`);
            return false;
          },
        )
      : Promise.resolve(false);
    // The elicitation is sent even when a browser opened: the client may show the link in its own UI too.
    if (opened || this.deps.ui.noticesReachUser) return Promise.resolve(true);
    return elicited;
  }

  /**
   * True when the sign-in ended within the wait; false when the user cannot act on the link here,
   * the wait ran out, or the call was cancelled.
   */
  private async wait(pending: Pending, call: CallContext): Promise<boolean> {
    const started = Date.now();
    const every = this.deps.progressEveryMs ?? 2000;
    let timer: NodeJS.Timeout | undefined;
    let ticker: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    try {
      return await Promise.race([
        pending.done.then(
          () => true,
          () => true,
        ),
        new Promise<boolean>((resolve) => {
          // Nobody can see the link yet: answer now with it rather than keep the client waiting.
          void pending.reachable.then((canAct) => {
            if (!canAct) resolve(false);
          });
          timer = setTimeout(() => resolve(false), this.deps.waitMs);
          onAbort = () => resolve(false);
          call.signal.addEventListener("abort", onAbort, { once: true });
          // A call cancelled before the wait began (while the flow was starting) does not wait at all.
          if (call.signal.aborted) resolve(false);
          ticker = setInterval(() => {
            void call.progress(Date.now() - started, this.deps.waitMs, `Waiting for sign-in approval: ${pending.message}`);
          }, every);
        }),
      ]);
    } finally {
      clearTimeout(timer);
      clearInterval(ticker);
      if (onAbort) call.signal.removeEventListener("abort", onAbort);
    }
  }
}
