import { ExpectedError } from "../core/errors.js";

/** A sign-in attempt ended without a credential (denied, expired, timed out, misconfigured). */
export class SignInError extends ExpectedError {
  override readonly name = "SignInError";
}

/** No usable credential: the user must sign in (or set CRONICORN_API_KEY). */
export class AuthRequiredError extends ExpectedError {
  override readonly name = "AuthRequiredError";
  constructor(
    message = "Not signed in to Cronicorn. Call the `login` tool (or run `npx cronicorn-mcp login` in a terminal), or set CRONICORN_API_KEY.",
    /** False when signing in would not help (a rejected CRONICORN_API_KEY is used regardless). */
    readonly signInHelps = true,
  ) {
    super(message);
  }
}
