/** A sign-in attempt ended without a credential (denied, expired, timed out, misconfigured). */
export class SignInError extends Error {
  override readonly name = "SignInError";
}
