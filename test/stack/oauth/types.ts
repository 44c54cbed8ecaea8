/** The one user who can sign in at the test authorization server. */
export interface AuthServerAccount {
  id: string;
  email: string;
  password: string;
  name?: string;
}

/** One request to the token endpoint, as the test authorization server saw it. */
export interface TokenEndpointRecord {
  grantType: string;
  refreshToken?: string;
  /** "ok", or the OAuth error code the endpoint answered with. */
  outcome: "ok" | string;
  at: number;
}
