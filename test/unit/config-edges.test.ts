/** The URL rules of the configuration at their edges: which addresses count as this machine, trailing slashes, the approval page. */
import { describe, expect, it } from "vitest";
import { baseUrlProblem, isLoopback, isSecureOrLoopback, loadConfig } from "../../src/config.js";

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
