/** What a request to Cronicorn carries, and the seam through which the API client asks for it. */

export type Credential = { kind: "api-key"; value: string } | { kind: "bearer"; value: string };

/** The seam to sign-in and refresh: "give me a valid credential" and "this one got a 401". */
export interface Authorizer {
  credential(): Promise<Credential>;
  /** The API rejected `rejected` with 401: return a different credential to retry once with, or null to give up. */
  unauthorized(rejected: Credential): Promise<Credential | null>;
}

/** How a credential travels: an API key as `x-api-key`, a session as a bearer token. */
export function credentialHeaders(credential: Credential): Record<string, string> {
  return credential.kind === "api-key" ? { "x-api-key": credential.value } : { authorization: `Bearer ${credential.value}` };
}
