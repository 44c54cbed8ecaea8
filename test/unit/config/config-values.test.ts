/** loadConfig beyond URLs: every setting's default, conversion, bounds and message. */
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config/config.js";
import type { Config } from "../../../src/config/config.js";

function configOf(env: NodeJS.ProcessEnv, overrides = {}): Readonly<Config> {
  const result = loadConfig(env, overrides);
  if (!result.ok) throw new Error(result.problems.join("; "));
  return result.config;
}

function problemsOf(env: NodeJS.ProcessEnv): string {
  const result = loadConfig(env);
  if (result.ok) throw new Error(`expected problems for ${JSON.stringify(env)}`);
  return result.problems.join("\n");
}

describe("loadConfig: values other than URLs", () => {
  it("has these defaults", () => {
    expect(configOf({})).toEqual({
      apiUrl: "https://cronicorn.com/api",
      apiOrigin: "https://cronicorn.com",
      webUrl: "https://cronicorn.com",
      deviceApprovalUrl: "https://cronicorn.com/device/approve",
      issuer: "https://cronicorn.com",
      apiKey: undefined,
      logLevel: "info",
      clientId: "cronicorn-mcp",
      scope: undefined,
      authFlow: "auto",
      loginWaitMs: 45_000,
      signInTimeoutMs: 1_800_000,
      noBrowser: false,
      tokenStore: "auto",
      configDir: path.join(os.homedir(), ".cronicorn"),
      requestTimeoutMs: 30_000,
      refreshSkewMs: 300_000,
      keychainTimeoutMs: 3_000,
      readOnly: false,
      confirm: "destructive",
      devicePollFloorS: 5,
      toolGroups: undefined,
    });
  });

  it("converts seconds to milliseconds, rounding fractions", () => {
    const config = configOf({
      CRONICORN_LOGIN_WAIT_S: "1.5",
      CRONICORN_SIGNIN_TIMEOUT_S: "90",
      CRONICORN_REFRESH_SKEW_S: "0.0004",
      CRONICORN_TIMEOUT_MS: "1500",
      CRONICORN_KEYCHAIN_TIMEOUT_MS: "250",
    });
    expect(config).toMatchObject({ loginWaitMs: 1_500, signInTimeoutMs: 90_000, refreshSkewMs: 0, requestTimeoutMs: 1_500, keychainTimeoutMs: 250 });
    expect(configOf({ CRONICORN_REFRESH_SKEW_S: "0.0006" }).refreshSkewMs).toBe(1);
    expect(configOf({ CRONICORN_LOGIN_WAIT_S: "0.0006" }).loginWaitMs).toBe(1);
  });

  it("accepts the bounds and rejects values past them, naming the variable", () => {
    expect(configOf({ CRONICORN_LOGIN_WAIT_S: "0" }).loginWaitMs).toBe(0);
    expect(configOf({ CRONICORN_LOGIN_WAIT_S: "600" }).loginWaitMs).toBe(600_000);
    expect(problemsOf({ CRONICORN_LOGIN_WAIT_S: "601" })).toMatch(/^CRONICORN_LOGIN_WAIT_S: /);
    expect(problemsOf({ CRONICORN_LOGIN_WAIT_S: "-1" })).toMatch(/^CRONICORN_LOGIN_WAIT_S: /);
    expect(problemsOf({ CRONICORN_LOGIN_WAIT_S: "soon" })).toBe("CRONICORN_LOGIN_WAIT_S: CRONICORN_LOGIN_WAIT_S must be a number");
    expect(configOf({ CRONICORN_SIGNIN_TIMEOUT_S: "3600" }).signInTimeoutMs).toBe(3_600_000);
    expect(problemsOf({ CRONICORN_SIGNIN_TIMEOUT_S: "3601" })).toMatch(/^CRONICORN_SIGNIN_TIMEOUT_S: /);
    expect(configOf({ CRONICORN_REFRESH_SKEW_S: "0" }).refreshSkewMs).toBe(0);
    expect(problemsOf({ CRONICORN_REFRESH_SKEW_S: "-1" })).toMatch(/^CRONICORN_REFRESH_SKEW_S: /);
  });

  it("says what is wrong with a whole positive number", () => {
    expect(problemsOf({ CRONICORN_TIMEOUT_MS: "fast" })).toBe("CRONICORN_TIMEOUT_MS: CRONICORN_TIMEOUT_MS must be a number");
    expect(problemsOf({ CRONICORN_TIMEOUT_MS: "1.5" })).toBe("CRONICORN_TIMEOUT_MS: CRONICORN_TIMEOUT_MS must be a whole number");
    expect(problemsOf({ CRONICORN_TIMEOUT_MS: "-5" })).toBe("CRONICORN_TIMEOUT_MS: CRONICORN_TIMEOUT_MS must be greater than 0");
    expect(problemsOf({ CRONICORN_KEYCHAIN_TIMEOUT_MS: "0" })).toBe("CRONICORN_KEYCHAIN_TIMEOUT_MS: CRONICORN_KEYCHAIN_TIMEOUT_MS must be greater than 0");
    expect(problemsOf({ CRONICORN_SIGNIN_TIMEOUT_S: "0" })).toBe("CRONICORN_SIGNIN_TIMEOUT_S: CRONICORN_SIGNIN_TIMEOUT_S must be greater than 0");
  });

  it("reads flags as 1/0, true/false, yes/no in any case, with spaces, and rejects anything else", () => {
    for (const yes of ["1", "true", "YES", " Yes "]) expect(configOf({ CRONICORN_NO_BROWSER: yes }).noBrowser).toBe(true);
    for (const no of ["0", "false", "No", " NO "]) expect(configOf({ CRONICORN_NO_BROWSER: no }).noBrowser).toBe(false);
    expect(problemsOf({ CRONICORN_READ_ONLY: "maybe" })).toBe("CRONICORN_READ_ONLY: must be 1/0, true/false or yes/no");
    expect(configOf({ CRONICORN_READ_ONLY: "no" }).readOnly).toBe(false);
    // Set but empty (as MCP clients' config forms often leave a variable) means off, not an error.
    expect(configOf({ CRONICORN_READ_ONLY: "" }).readOnly).toBe(false);
  });

  it("takes the enumerated settings as given and rejects unknown ones", () => {
    expect(configOf({ CRONICORN_LOG_LEVEL: "debug", CRONICORN_AUTH_FLOW: "device", CRONICORN_TOKEN_STORE: "file" })).toMatchObject({
      logLevel: "debug",
      authFlow: "device",
      tokenStore: "file",
    });
    expect(configOf({ CRONICORN_AUTH_FLOW: "pkce", CRONICORN_TOKEN_STORE: "keychain" })).toMatchObject({ authFlow: "pkce", tokenStore: "keychain" });
    expect(problemsOf({ CRONICORN_LOG_LEVEL: "loud" })).toMatch(/^CRONICORN_LOG_LEVEL: /);
    expect(problemsOf({ CRONICORN_TOKEN_STORE: "cloud" })).toMatch(/^CRONICORN_TOKEN_STORE: /);
  });

  it("trims the API key, client id, scope and config folder", () => {
    const config = configOf({
      CRONICORN_API_KEY: "  key-123456  ",
      CRONICORN_CLIENT_ID: " my-client ",
      CRONICORN_SCOPE: " openid email ",
      CRONICORN_CONFIG_DIR: " /tmp/cronicorn-here ",
    });
    expect(config).toMatchObject({ apiKey: "key-123456", clientId: "my-client", scope: "openid email", configDir: "/tmp/cronicorn-here" });
  });

  it("treats whitespace-only variables as unset", () => {
    expect(configOf({ CRONICORN_API_KEY: "   ", CRONICORN_TIMEOUT_MS: " " })).toMatchObject({ apiKey: undefined, requestTimeoutMs: 30_000 });
  });

  it("lists every tool group problem and ignores empty entries and case", () => {
    expect(configOf({ CRONICORN_TOOLS: " Jobs,,RUNS , " }).toolGroups).toEqual(["jobs", "runs"]);
    expect(configOf({ CRONICORN_TOOLS: "," }).toolGroups).toBeUndefined();
    expect(problemsOf({ CRONICORN_TOOLS: "weather" })).toBe(
      "CRONICORN_TOOLS.0: CRONICORN_TOOLS takes a comma list of: jobs, endpoints, scheduling, runs, account",
    );
    const groups = configOf({ CRONICORN_TOOLS: "account,scheduling" }).toolGroups;
    expect(Object.isFrozen(groups)).toBe(true);
  });

  it("lets the flags override the environment only when given", () => {
    expect(configOf({ CRONICORN_TOOLS: "jobs" }, { readOnly: false }).toolGroups).toEqual(["jobs"]);
    expect(configOf({ CRONICORN_READ_ONLY: "1" }, { readOnly: false }).readOnly).toBe(true);
    expect(configOf({}, { toolGroups: "" }).toolGroups).toBeUndefined();
  });

  it("reads process.env when given no environment", () => {
    const saved = process.env.CRONICORN_CLIENT_ID;
    process.env.CRONICORN_CLIENT_ID = "from-process-env";
    try {
      const result = loadConfig();
      expect(result.ok && result.config.clientId).toBe("from-process-env");
    } finally {
      if (saved === undefined) delete process.env.CRONICORN_CLIENT_ID;
      else process.env.CRONICORN_CLIENT_ID = saved;
    }
  });
});

describe("CRONICORN_CONFIRM", () => {
  it("takes destructive or never, and refuses anything else naming the variable", () => {
    expect(configOf({ CRONICORN_CONFIRM: "never" }).confirm).toBe("never");
    expect(configOf({ CRONICORN_CONFIRM: "destructive" }).confirm).toBe("destructive");
    const bad = loadConfig({ CRONICORN_CONFIRM: "always" });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.problems.join()).toMatch(/^CRONICORN_CONFIRM: /);
  });
});

describe("CRONICORN_DEVICE_POLL_FLOOR_S", () => {
  it("takes a whole number of seconds from 1 to 5, and refuses anything else naming the variable", () => {
    expect(configOf({ CRONICORN_DEVICE_POLL_FLOOR_S: "1" }).devicePollFloorS).toBe(1);
    expect(configOf({ CRONICORN_DEVICE_POLL_FLOOR_S: "5" }).devicePollFloorS).toBe(5);
    for (const bad of ["0", "6", "1.5", "soon"]) {
      const result = loadConfig({ CRONICORN_DEVICE_POLL_FLOOR_S: bad });
      expect(result.ok, bad).toBe(false);
      if (!result.ok) expect(result.problems.join()).toMatch(/^CRONICORN_DEVICE_POLL_FLOOR_S: /);
    }
  });
});
