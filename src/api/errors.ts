/**
 * One error type per failure family. Each message tells the user (or the model acting for them)
 * what happened and what to do next; none ever contains a credential.
 */
import { ExpectedError } from "../core/errors.js";

/** Cronicorn answered with an error status. */
export class ApiError extends ExpectedError {
  override readonly name = "ApiError";
  constructor(
    message: string,
    readonly status: number,
    readonly body: unknown,
  ) {
    super(message);
  }
}

/** The configuration is invalid; every tool reports this until it is fixed. */
export class ConfigError extends ExpectedError {
  override readonly name = "ConfigError";
  constructor(readonly problems: string[]) {
    super(`cronicorn-mcp is misconfigured: ${problems.join("; ")}. Fix the environment variables in your MCP client's config and restart the server.`);
  }
}

/** The request could not be built from the tool's arguments (e.g. nested too deeply to serialise). */
export class InvalidRequestError extends ExpectedError {
  override readonly name = "InvalidRequestError";
}
