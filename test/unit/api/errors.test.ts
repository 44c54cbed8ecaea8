/** The error families' names and fixed messages, which tool results and logs show as they are. */
import { describe, expect, it } from "vitest";
import { ApiError, ConfigError, InvalidRequestError } from "../../../src/api/errors.js";
import { SignInError } from "../../../src/auth/errors.js";
import { StoreError } from "../../../src/auth/store/types.js";
import { AuthRequiredError } from "../../../src/auth/errors.js";
import { NetworkError } from "../../../src/net/errors.js";

describe("error families", () => {
  it("each is named for its family", () => {
    expect(new AuthRequiredError().name).toBe("AuthRequiredError");
    expect(new ApiError("m", 400, null).name).toBe("ApiError");
    expect(new NetworkError("m").name).toBe("NetworkError");
    expect(new ConfigError(["a"]).name).toBe("ConfigError");
    expect(new InvalidRequestError("m").name).toBe("InvalidRequestError");
    expect(new SignInError("m").name).toBe("SignInError");
    expect(new StoreError("m").name).toBe("StoreError");
  });

  it("not signed in says how to sign in, and that it helps", () => {
    const error = new AuthRequiredError();
    expect(error.message).toBe("Not signed in to Cronicorn. Call the `login` tool (or run `npx cronicorn-mcp login` in a terminal), or set CRONICORN_API_KEY.");
    expect(error.signInHelps).toBe(true);
  });

  it("a configuration error lists every problem and the fix", () => {
    const error = new ConfigError(["CRONICORN_API_URL: bad", "CRONICORN_TIMEOUT_MS: bad"]);
    expect(error.message).toBe(
      "cronicorn-mcp is misconfigured: CRONICORN_API_URL: bad; CRONICORN_TIMEOUT_MS: bad. Fix the environment variables in your MCP client's config and restart the server.",
    );
    expect(error.problems).toEqual(["CRONICORN_API_URL: bad", "CRONICORN_TIMEOUT_MS: bad"]);
  });
});
