/** The pure parts of doctor: which proxy applies to the API URL, clock skew thresholds, engines. */
import { describe, expect, it } from "vitest";
import { checkClock, proxyFor } from "../../../src/terminal/doctor/network.js";
import { satisfiesEngines } from "../../../src/terminal/doctor/node.js";

const api = new URL("https://cronicorn.com/api");

describe("proxyFor", () => {
  it("uses HTTPS_PROXY for an https API, and names where it came from", () => {
    expect(proxyFor(api, { HTTPS_PROXY: "http://proxy:8080" })).toEqual({ url: "http://proxy:8080", from: "HTTPS_PROXY" });
    expect(proxyFor(api, { https_proxy: "http://p:1" })?.from).toBe("https_proxy");
    // undici sends https through HTTP_PROXY when no https proxy is set (doctor-proxy.test.ts proves it on the wire).
    expect(proxyFor(api, { HTTP_PROXY: "http://proxy:8080" })).toEqual({ url: "http://proxy:8080", from: "HTTP_PROXY" });
    expect(proxyFor(new URL("http://127.0.0.1:3000/api"), { HTTPS_PROXY: "http://proxy:8080" })).toBeUndefined();
  });

  it("honours NO_PROXY host suffixes, ports and *", () => {
    const env = { HTTPS_PROXY: "http://proxy:8080" };
    expect(proxyFor(api, { ...env, NO_PROXY: "cronicorn.com" })).toBeUndefined();
    expect(proxyFor(api, { ...env, NO_PROXY: ".cronicorn.com" })).toBeUndefined();
    expect(proxyFor(new URL("https://eu.cronicorn.com/api"), { ...env, NO_PROXY: "cronicorn.com" })).toBeUndefined();
    expect(proxyFor(api, { ...env, no_proxy: "*" })).toBeUndefined();
    // `*` counts only as the whole value.
    expect(proxyFor(api, { ...env, no_proxy: "example.com, *" })).toBeDefined();
    expect(proxyFor(api, { ...env, NO_PROXY: "cronicorn.com:8443" })).toBeDefined();
    expect(proxyFor(api, { ...env, NO_PROXY: "notcronicorn.com" })).toBeDefined();
    expect(proxyFor(new URL("https://evilcronicorn.com/api"), { ...env, NO_PROXY: "cronicorn.com" })).toBeDefined();
  });
});

describe("checkClock", () => {
  const at = Date.parse("2026-11-27T12:00:00Z");
  it("is OK within a minute, warns beyond it, and fails at the refresh skew", () => {
    expect(checkClock(new Date(at - 1_000).toUTCString(), at, 300_000).status).toBe("ok");
    expect(checkClock(new Date(at - 120_000).toUTCString(), at, 300_000)).toMatchObject({
      status: "warn",
      detail: "this machine's clock is 120 s ahead of the server's",
    });
    expect(checkClock(new Date(at + 600_000).toUTCString(), at, 300_000)).toMatchObject({ status: "fail", detail: expect.stringContaining("600 s behind") });
    expect(checkClock(undefined, at, 300_000).status).toBe("skip");
  });
});

describe("satisfiesEngines", () => {
  it("compares major, minor and patch against >=X.Y", () => {
    expect(satisfiesEngines("v20.19.0", ">=20.19")).toBe(true);
    expect(satisfiesEngines("v20.18.9", ">=20.19")).toBe(false);
    expect(satisfiesEngines("v22.0.0", ">=20.19")).toBe(true);
    expect(satisfiesEngines("v18.19.0", ">=20.19")).toBe(false);
  });
});
