import type { CredentialRecord } from "../store/types.js";
import type { SignInPrompt } from "../types.js";

/** What one poll of the token endpoint found (device flow). */
export type PollOutcome = "approved" | "pending" | "ended";

/** A started sign-in: what to show the user, and the credential once they approve. */
export interface PendingAuthorization {
  prompt: SignInPrompt;
  /** Resolves with the new record when approved; rejects with a SignInError otherwise. */
  result: Promise<CredentialRecord>;
  cancel(): void;
  /** Device flow: resolves with what the next poll of the token endpoint finds ("ended" once polling stopped). */
  nextPoll?(): Promise<PollOutcome>;
}
