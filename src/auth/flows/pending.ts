import type { CredentialRecord } from "../store/types.js";
import type { SignInPrompt } from "../types.js";

/** A started sign-in: what to show the user, and the credential once they approve. */
export interface PendingAuthorization {
  prompt: SignInPrompt;
  /** Resolves with the new record when approved; rejects with a SignInError otherwise. */
  result: Promise<CredentialRecord>;
  cancel(): void;
}
