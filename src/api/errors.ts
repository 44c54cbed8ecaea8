/**
 * One error type per failure family. Each message tells the user (or the model acting for them)
 * what happened and what to do next; none ever contains a credential.
 */

/** No usable credential: the user must sign in (or set CRONICORN_API_KEY). */
export class AuthRequiredError extends Error {
  override readonly name = "AuthRequiredError";
  constructor(
    message = "Not signed in to Cronicorn. Call the `login` tool (or run `npx cronicorn-mcp login` in a terminal), or set CRONICORN_API_KEY.",
    /** False when signing in would not help (a rejected CRONICORN_API_KEY is used regardless). */
    readonly signInHelps = true,
  ) {
    super(message);
  }
}

/** Cronicorn answered with an error status. */
export class ApiError extends Error {
  override readonly name = "ApiError";
  constructor(
    message: string,
    readonly status: number,
    readonly body: unknown,
  ) {
    super(message);
  }
}

/** Cronicorn could not be reached, did not answer in time, or answered with something unreadable. */
export class NetworkError extends Error {
  override readonly name = "NetworkError";
}

/** The configuration is invalid; every tool reports this until it is fixed. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  constructor(readonly problems: string[]) {
    super(`cronicorn-mcp is misconfigured: ${problems.join("; ")}. Fix the environment variables in your MCP client's config and restart the server.`);
  }
}

/** The request could not be built from the tool's arguments (e.g. nested too deeply to serialise). */
export class InvalidRequestError extends Error {
  override readonly name = "InvalidRequestError";
}
