/**
 * The sentence `auth_status` and `cronicorn-mcp status` print: it says only what is known — a session
 * that slides is not "sign in again when it expires", an unverified verdict says so and why, and an
 * unnamed user says why it cannot be named.
 */
import { describe, expect, it } from "vitest";
import { describeStatus } from "../../../src/tools/auth.js";
import type { AuthStatus } from "../../../src/auth/types.js";

const API = "https://cronicorn.com/api";
const signedIn = (more: Partial<AuthStatus>): AuthStatus => ({
  signedIn: true,
  verified: true,
  apiUrl: API,
  source: "file",
  store: "file ~/.cronicorn/credentials.json",
  expiresAt: "2030-01-31T00:00:00.000Z",
  daysLeft: 30,
  user: { email: "ada@example.com" },
  ...more,
});

describe("describeStatus", () => {
  it.each(["device", "legacy"] as const)("a %s session without a refresh token is extended while used, not 'sign in again when it expires'", (flow) => {
    const text = describeStatus(signedIn({ flow, hasRefreshToken: false }));
    expect(text).not.toMatch(/no refresh token|sign in again when it expires/);
    expect(text).toMatch(/extended while it is used/);
  });

  it("an OAuth token without a refresh token still says a new sign-in is needed when it expires", () => {
    expect(describeStatus(signedIn({ flow: "pkce", hasRefreshToken: false }))).toMatch(/no refresh token \(sign in again when it expires\)/);
  });

  it("a verdict Cronicorn could not give is marked as not verified, with the reason", () => {
    const text = describeStatus(
      signedIn({ flow: "device", hasRefreshToken: false, verified: false, reason: "Cronicorn could not be asked: connect ECONNREFUSED" }),
    );
    expect(text).toMatch(/not verified by Cronicorn \(Cronicorn could not be asked: connect ECONNREFUSED\)/);
  });

  it("a user that cannot be named says why, instead of a bare 'unknown user'", () => {
    const text = describeStatus(signedIn({ flow: "pkce", user: undefined, userUnknownReason: "the sign-in comes from https://auth.example.com" }));
    expect(text).toMatch(/as a user Cronicorn does not name \(the sign-in comes from https:\/\/auth\.example\.com\)/);
    expect(text).not.toMatch(/an unknown user/);
  });

  it("an API key whose owner Cronicorn does not name says why", () => {
    const text = describeStatus(
      signedIn({ source: "api-key", flow: "api-key", user: undefined, expiresAt: undefined, userUnknownReason: "Cronicorn does not say who owns an API key" }),
      "terminal",
    );
    expect(text).toMatch(/^Signed in to https:\/\/cronicorn\.com\/api with the API key from CRONICORN_API_KEY/);
    expect(text).toMatch(/Cronicorn does not say who owns an API key/);
  });

  it("an expired sign-in that could not be renewed says so, and what happens next", () => {
    const text = describeStatus(
      {
        signedIn: false,
        verified: false,
        apiUrl: API,
        source: "file",
        store: "file",
        reason: "connect ECONNREFUSED",
        problem: "The saved sign-in expired and could not be renewed just now. It is kept, and renewed on the next call once the server can be reached.",
      },
      "terminal",
    );
    expect(text).toMatch(/^Not signed in to .*could not be renewed just now.*\(connect ECONNREFUSED\)/);
  });
});
