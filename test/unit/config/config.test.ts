import { describe, expect, it } from "vitest";
import { loadConfig, baseUrlProblem } from "../../../src/config/config.js";
import { isLoopback, isSecureOrLoopback } from "../../../src/core/urls.js";

describe("loadConfig", () => {
  it("uses Cronicorn's cloud by default, with the device approval page on the web app", () => {
    const result = loadConfig({});
    if (!result.ok) throw new Error(result.problems.join());
    expect(result.config).toMatchObject({
      apiUrl: "https://cronicorn.com/api",
      apiOrigin: "https://cronicorn.com",
      webUrl: "https://cronicorn.com",
      deviceApprovalUrl: "https://cronicorn.com/device/approve",
      issuer: "https://cronicorn.com",
      authFlow: "auto",
      tokenStore: "auto",
      loginWaitMs: 45_000,
      requestTimeoutMs: 30_000,
      refreshSkewMs: 300_000,
      readOnly: false,
      toolGroups: undefined,
    });
    expect(Object.isFrozen(result.config)).toBe(true);
  });

  it("accepts plain http only for this machine", () => {
    expect(loadConfig({ CRONICORN_API_URL: "http://localhost:3333/api" }).ok).toBe(true);
    expect(loadConfig({ CRONICORN_API_URL: "http://127.0.0.1:3333/api/" }).ok).toBe(true);
    const remote = loadConfig({ CRONICORN_API_URL: "http://cron.example.com/api" });
    expect(remote.ok).toBe(false);
    if (!remote.ok) expect(remote.problems.join()).toMatch(/CRONICORN_API_URL must use https/);
  });

  it("reports a value that is not a URL at all instead of throwing", () => {
    const result = loadConfig({ CRONICORN_API_URL: "not a url" });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems).toEqual(["CRONICORN_API_URL: CRONICORN_API_URL must be a full URL such as https://cronicorn.com/api"]);
  });

  it("does not guess a web app for a self-hosted API", () => {
    const result = loadConfig({ CRONICORN_API_URL: "https://cron.internal.example/api" });
    if (!result.ok) throw new Error(result.problems.join());
    expect(result.config.deviceApprovalUrl).toBeUndefined();
    expect(result.config.apiUrl).toBe("https://cron.internal.example/api");
  });

  it("reports every bad value by variable name instead of throwing", () => {
    const result = loadConfig({ CRONICORN_TIMEOUT_MS: "fast", CRONICORN_AUTH_FLOW: "magic", CRONICORN_TOOLS: "jobs,weather" });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const text = result.problems.join("\n");
    expect(text).toMatch(/CRONICORN_TIMEOUT_MS/);
    expect(text).toMatch(/CRONICORN_AUTH_FLOW/);
    expect(text).toMatch(/CRONICORN_TOOLS/);
  });

  it("treats empty variables as unset and parses flags and tool groups", () => {
    const result = loadConfig({ CRONICORN_API_KEY: "", CRONICORN_READ_ONLY: "true", CRONICORN_TOOLS: "jobs, runs" });
    if (!result.ok) throw new Error(result.problems.join());
    expect(result.config.apiKey).toBeUndefined();
    expect(result.config.readOnly).toBe(true);
    expect(result.config.toolGroups).toEqual(["jobs", "runs"]);
  });

  it("lets command-line flags override the environment", () => {
    const result = loadConfig({ CRONICORN_TOOLS: "jobs" }, { readOnly: true, toolGroups: "endpoints" });
    if (!result.ok) throw new Error(result.problems.join());
    expect(result.config.readOnly).toBe(true);
    expect(result.config.toolGroups).toEqual(["endpoints"]);
  });

  it("reports an unparsable URL as a problem instead of throwing", () => {
    for (const name of ["CRONICORN_API_URL", "CRONICORN_WEB_URL", "CRONICORN_ISSUER"]) {
      const result = loadConfig({ [name]: "http://[bad" });
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.problems.join()).toMatch(new RegExp(`${name}: ${name} must be a full URL`));
    }
  });

  it("refuses a user name or password, a query and a fragment in every URL, without echoing them", () => {
    const cases: Array<[string, RegExp]> = [
      ["https://alice:hunter2-secret@cron.example.com/api", /must not contain a user name or password/],
      ["https://alice@cron.example.com/api", /must not contain a user name or password/],
      ["https://cron.example.com/api?tenant=1", /must not contain a query/],
      ["https://cron.example.com/api?", /must not contain a query/],
      ["https://cron.example.com/api#top", /must not contain a fragment/],
    ];
    for (const name of ["CRONICORN_API_URL", "CRONICORN_WEB_URL", "CRONICORN_ISSUER"]) {
      for (const [value, message] of cases) {
        const result = loadConfig({ [name]: value });
        expect(result.ok, `${name}=${value}`).toBe(false);
        if (result.ok) continue;
        expect(result.problems.join()).toMatch(message);
        expect(result.problems.join()).not.toContain("hunter2");
      }
    }
  });

  it("refuses URLs that are not http(s)", () => {
    expect(loadConfig({ CRONICORN_API_URL: "file:///etc/passwd" }).ok).toBe(false);
    expect(loadConfig({ CRONICORN_API_URL: "javascript:alert(1)" }).ok).toBe(false);
  });
});

/** The URL rules of the configuration at their edges: which addresses count as this machine, trailing slashes, the approval page. */
describe("URL rules at their edges", () => {
  describe("isSecureOrLoopback / isLoopback", () => {
    it("https anywhere, plain http only to this machine, nothing else", () => {
      expect(isSecureOrLoopback(new URL("https://cronicorn.com/api"))).toBe(true);
      expect(isSecureOrLoopback(new URL("http://127.0.0.1:3000/api"))).toBe(true);
      expect(isSecureOrLoopback(new URL("http://localhost/api"))).toBe(true);
      expect(isSecureOrLoopback(new URL("http://[::1]:8080/api"))).toBe(true);
      expect(isSecureOrLoopback(new URL("http://cronicorn.com/api"))).toBe(false);
      expect(isSecureOrLoopback(new URL("http://127.0.0.2/api"))).toBe(false);
      expect(isSecureOrLoopback(new URL("ftp://localhost/api"))).toBe(false);
      expect(isSecureOrLoopback(new URL("ws://127.0.0.1/api"))).toBe(false);
    });

    it("this machine is 127.0.0.1, localhost and ::1, whatever the scheme", () => {
      expect(isLoopback(new URL("https://localhost/x"))).toBe(true);
      expect(isLoopback(new URL("http://127.0.0.1/x"))).toBe(true);
      expect(isLoopback(new URL("http://[::1]/x"))).toBe(true);
      expect(isLoopback(new URL("http://cronicorn.com/x"))).toBe(false);
      expect(isLoopback(new URL("http://localhost.example/x"))).toBe(false);
    });
  });

  describe("baseUrlProblem", () => {
    it("names the variable and the fix for each kind of bad URL", () => {
      expect(baseUrlProblem("X", "https://cronicorn.com/api")).toBeUndefined();
      expect(baseUrlProblem("X", "cronicorn.com")).toBe("X must be a full URL such as https://cronicorn.com/api");
      expect(baseUrlProblem("X", "ftp://cronicorn.com")).toBe("X must be a full URL such as https://cronicorn.com/api");
      expect(baseUrlProblem("X", "http://cronicorn.com")).toBe("X must use https (plain http is allowed only for 127.0.0.1/localhost)");
      expect(baseUrlProblem("X", "https://u@cronicorn.com")).toBe("X must not contain a user name or password (user:password@): remove them");
      expect(baseUrlProblem("X", "https://:p@cronicorn.com")).toBe("X must not contain a user name or password (user:password@): remove them");
      expect(baseUrlProblem("X", "https://cronicorn.com/api?")).toBe("X must not contain a query (?…): remove it");
      expect(baseUrlProblem("X", "https://cronicorn.com/api?a=1")).toBe("X must not contain a query (?…): remove it");
      expect(baseUrlProblem("X", "https://cronicorn.com/api#")).toBe("X must not contain a fragment (#…): remove it");
      expect(baseUrlProblem("X", "https://cronicorn.com/api#top")).toBe("X must not contain a fragment (#…): remove it");
    });
  });

  describe("loadConfig: URLs", () => {
    it("drops every trailing slash of the API address", () => {
      const result = loadConfig({ CRONICORN_API_URL: "https://api.example.com/api///", CRONICORN_WEB_URL: "https://app.example.com//" });
      expect(result.ok && result.config.apiUrl).toBe("https://api.example.com/api");
      expect(result.ok && result.config.webUrl).toBe("https://app.example.com");
      expect(result.ok && result.config.deviceApprovalUrl).toBe("https://app.example.com/device/approve");
    });

    it("uses a configured web app's approval page for a self-hosted API", () => {
      const result = loadConfig({ CRONICORN_API_URL: "http://localhost:3000/api", CRONICORN_WEB_URL: "http://localhost:5173" });
      expect(result.ok && result.config.deviceApprovalUrl).toBe("http://localhost:5173/device/approve");
      expect(result.ok && result.config.issuer).toBe("http://localhost:3000");
      expect(result.ok && result.config.apiOrigin).toBe("http://localhost:3000");
    });

    it("knows Cronicorn's own web app for Cronicorn's own API, and none for a self-hosted one", () => {
      const cloud = loadConfig({ CRONICORN_API_URL: "https://cronicorn.com/api" });
      expect(cloud.ok && cloud.config.deviceApprovalUrl).toBe("https://cronicorn.com/device/approve");
      const selfHosted = loadConfig({ CRONICORN_API_URL: "https://cron.internal.example/api" });
      expect(selfHosted.ok && selfHosted.config.deviceApprovalUrl).toBeUndefined();
    });

    it("names the variable of each problem", () => {
      const result = loadConfig({ CRONICORN_API_URL: "http://cronicorn.com/api", CRONICORN_TIMEOUT_MS: "soon" });
      expect(result.ok).toBe(false);
      expect(!result.ok && result.problems).toEqual([
        "CRONICORN_API_URL: CRONICORN_API_URL must use https (plain http is allowed only for 127.0.0.1/localhost)",
        "CRONICORN_TIMEOUT_MS: CRONICORN_TIMEOUT_MS must be a number",
      ]);
    });
  });
});
