/**
 * One pending sign-in per server, shared by every tool call that needs it. A call waits for the
 * approval (a bounded time, with progress) only while the user can act on the link: a browser was
 * opened, the client showed the link (a 2025-era URL elicitation the user accepted, or a 2026-era
 * client's URL round), or the link is printed where they read it. A call that joins a device sign-in
 * in progress waits for the next poll, so an approval that just happened returns the real result
 * instead of the same link. Otherwise the call answers at once with the link and code ("…then ask
 * again"); the flow keeps polling in the background either way, so the next call needs no new code.
 */
import { randomUUID } from "node:crypto";
import type { Logger } from "../core/log.js";
import type { PendingAuthorization } from "./flows/pending.js";
import type { CredentialRecord } from "./store/types.js";
import type { CallContext, LinkChannel, SignInGate, SignInOutcome, SignInPrompt, StartedSignIn } from "./types.js";
import type { SignInUi } from "./ui.js";

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
  /** What happens once the user approves, when the caller waits for it (a terminal says "this command continues"). */
  whileWaiting?: string;
}

interface Pending {
  id: string;
  auth: PendingAuthorization;
  /** A browser was opened on the link. */
  opened: boolean;
  /** Settles when the sign-in ended: resolved once the credential is saved, rejected with the reason otherwise. */
  done: Promise<void>;
  /** The 2025-era URL elicitation of this sign-in (sent once), resolving true when the user accepted it. */
  elicited?: Promise<boolean>;
}

const WHILE_WAITING = "and this request continues by itself once you approve";
const THEN_ASK_AGAIN = "then ask again";

/** What the user does; `after` says what happens once they approved (the call goes on by itself, or they ask again). */
export function instructions(prompt: SignInPrompt, after: string = THEN_ASK_AGAIN): string {
  return prompt.userCode
    ? `Sign in to Cronicorn: open ${prompt.verificationUrl} and confirm the code ${prompt.userCode}, ${after}. (The code is valid until ${prompt.expiresAt}.)`
    : `Sign in to Cronicorn: open ${prompt.verificationUrl} in your browser and approve access, ${after}.`;
}

export class SignInCoordinator implements SignInGate {
  private pending: Pending | null = null;
  private starting: Promise<Pending> | null = null;
  /** An approved sign-in that could not be saved, told to the next caller once (it also went to stderr). */
  private unsaved: string | null = null;

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

  /** Start a sign-in, or join the one in progress; what a client that opens URLs shows the user. */
  async begin(): Promise<StartedSignIn> {
    const { pending } = await this.join();
    return { prompt: pending.auth.prompt, message: this.describe(pending, true) };
  }

  async awaitSignIn(call: CallContext): Promise<SignInOutcome> {
    const channel = call.link ?? {};
    const { pending, joined } = await this.join(channel);
    const reach = this.reach(pending, channel);
    const finished = await this.wait(pending, call, reach, joined);
    if (finished) {
      await pending.done; // rethrows the SignInError of a denied or expired sign-in, or the StoreError of one that could not be saved
      return { state: "ready" };
    }
    const unsaved = this.takeUnsaved();
    const message = `${unsaved ? `${unsaved} ` : ""}${this.describe(pending, false)}`;
    return { state: "pending", prompt: pending.auth.prompt, message };
  }

  private describe(pending: Pending, waits: boolean): string {
    const after = waits ? (this.deps.whileWaiting ?? WHILE_WAITING) : THEN_ASK_AGAIN;
    return `${instructions(pending.auth.prompt, after)}${pending.opened ? " (A browser window was opened for you.)" : ""}`;
  }

  private takeUnsaved(): string | null {
    const unsaved = this.unsaved;
    this.unsaved = null;
    return unsaved;
  }

  private async join(channel: LinkChannel = {}): Promise<{ pending: Pending; joined: boolean }> {
    if (this.pending) return { pending: this.pending, joined: true };
    const joined = this.starting !== null;
    this.starting ??= this.startNew(channel).finally(() => {
      this.starting = null;
    });
    return { pending: await this.starting, joined };
  }

  private async startNew(channel: LinkChannel): Promise<Pending> {
    const auth = await this.deps.start();
    const opened = await this.deps.openBrowser(auth.prompt.verificationUrl);
    const pending: Pending = { id: randomUUID(), auth, opened, done: Promise.resolve() };
    pending.done = auth.result.then(
      async (record) => {
        try {
          await this.deps.adopt(record);
        } catch (error) {
          const why = error instanceof Error ? error.message : String(error);
          this.unsaved = `Your last sign-in was approved, but it could not be saved, so it is lost: ${why}`;
          this.deps.logger.error(this.unsaved);
          this.deps.ui.notify(this.unsaved);
          throw error;
        }
        this.deps.logger.info("Signed in to Cronicorn.");
        if (pending.elicited) await channel.completeElicitation?.(pending.id).catch(() => undefined);
      },
      (error: unknown) => {
        this.deps.logger.warn(error instanceof Error ? error.message : String(error));
        throw error;
      },
    );
    pending.done.catch(() => undefined); // observed by the calls that wait for it
    // The call that starts the sign-in waits when it can put the link before the user (browser, terminal, URL elicitation).
    const waits = opened || this.deps.ui.noticesReachUser === true || channel.elicitUrl !== undefined || channel.shown === true;
    this.deps.ui.notify(this.describe(pending, waits));
    const ended = () => {
      if (this.pending !== pending) return;
      this.pending = null;
      this.deps.ui.stateChanged?.();
    };
    pending.done.then(ended, ended);
    this.pending = pending;
    this.deps.ui.stateChanged?.();
    return pending;
  }

  /** Can this call's user see the link? A declined, cancelled or failed URL elicitation counts as "no". */
  private reach(pending: Pending, channel: LinkChannel): Promise<boolean> {
    if (channel.elicitUrl && !pending.elicited) {
      const message = this.describe(pending, true);
      pending.elicited = channel.elicitUrl(pending.id, pending.auth.prompt.verificationUrl, message).then(
        (answer) => answer === "accept",
        (error: unknown) => {
          this.deps.logger.debug(`URL elicitation not completed: ${error instanceof Error ? error.message : String(error)}`);
          return false;
        },
      );
    }
    // The elicitation is sent even when a browser opened: the client may show the link in its own UI too.
    if (pending.opened || channel.shown || this.deps.ui.noticesReachUser) return Promise.resolve(true);
    return channel.elicitUrl && pending.elicited ? pending.elicited : Promise.resolve(false);
  }

  /**
   * True when the sign-in ended while this call waited. A call whose user can act on the link waits up
   * to `waitMs`; one that cannot, but joined a device sign-in already in progress, waits for the next
   * poll (never sooner than the server's interval) and for the credential it brings; any other call
   * does not wait. Cancelling the call ends its wait.
   */
  private async wait(pending: Pending, call: CallContext, reach: Promise<boolean>, joined: boolean): Promise<boolean> {
    const started = Date.now();
    const every = this.deps.progressEveryMs ?? 2000;
    let timer: NodeJS.Timeout | undefined;
    let ticker: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const message = `Waiting for you to approve the sign-in: ${this.describe(pending, true)}`;
    try {
      return await Promise.race([
        pending.done.then(
          () => true,
          () => true,
        ),
        new Promise<boolean>((resolve) => {
          void reach.then(async (canAct) => {
            if (canAct) return;
            const nextPoll = joined ? pending.auth.nextPoll : undefined;
            if (!nextPoll) return resolve(false);
            // The poll decides, however short CRONICORN_LOGIN_WAIT_S is; it comes within the server's interval.
            clearTimeout(timer);
            // An approval the poll found lands in `done` (the credential is being saved): keep waiting for it.
            if ((await nextPoll()) !== "approved") resolve(false);
          });
          timer = setTimeout(() => resolve(false), this.deps.waitMs);
          onAbort = () => resolve(false);
          call.signal.addEventListener("abort", onAbort, { once: true });
          // A call cancelled before the wait began (while the flow was starting) does not wait at all.
          if (call.signal.aborted) resolve(false);
          ticker = setInterval(() => {
            void call.progress(Date.now() - started, this.deps.waitMs, message);
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
