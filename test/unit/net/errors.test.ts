/**
 * A failed request, classified by its cause: only a failure before the request reached the server is
 * "cannot reach"; a broken connection may have delivered it; a deadline, an oversized body or an
 * untrusted certificate each say what happened. Libraries (openid-client, undici) wrap the error
 * that says why, so the cause chain is read, outermost first.
 */
import { describe, expect, it } from "vitest";
import { freshly } from "../../helpers/fresh-module.js";

const load = () => freshly(() => import("../../../src/net/errors.js"));

/** An error as undici or Node throws it: a message and a `code`. */
const coded = (code: string, message = `failed: ${code}`) => Object.assign(new Error(message), { code });
/** An error wrapping `cause`, as openid-client wraps ours. */
const wrapped = (cause: unknown, message = "wrapped") => new Error(message, { cause });

describe("failureKind", () => {
  it("names every code where the request never left as unreachable", async () => {
    const { failureKind } = await load();
    for (const code of ["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "EADDRNOTAVAIL", "UND_ERR_CONNECT_TIMEOUT"]) {
      expect(failureKind(coded(code)), code).toBe("unreachable");
    }
  });

  it("names every code where an open connection broke as connection-lost: the request may have arrived", async () => {
    const { failureKind } = await load();
    for (const code of ["ECONNRESET", "EPIPE", "ETIMEDOUT", "UND_ERR_SOCKET", "UND_ERR_CLOSED", "ECONNABORTED"]) {
      expect(failureKind(coded(code)), code).toBe("connection-lost");
    }
  });

  it("names certificate and TLS codes as tls, by their prefix", async () => {
    const { failureKind } = await load();
    for (const code of [
      "ERR_TLS_CERT_ALTNAME_INVALID",
      "ERR_SSL_WRONG_VERSION_NUMBER",
      "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
      "SELF_SIGNED_CERT_IN_CHAIN",
      "DEPTH_ZERO_SELF_SIGNED_CERT",
      "CERT_HAS_EXPIRED",
      "HOSTNAME_MISMATCH",
    ]) {
      expect(failureKind(coded(code)), code).toBe("tls");
    }
    // The prefix must start the code.
    expect(failureKind(coded("X_CERT_HAS_EXPIRED"))).toBe("other");
  });

  it("reads the cause chain: a wrapped deadline, size cap or code is found", async () => {
    const { failureKind, DeadlineError, ResponseTooLargeError } = await load();
    expect(failureKind(wrapped(new DeadlineError(30_000)))).toBe("timeout");
    expect(failureKind(wrapped(wrapped(new ResponseTooLargeError(8 * 1024 * 1024))))).toBe("too-large");
    expect(failureKind(wrapped(coded("ECONNREFUSED")))).toBe("unreachable");
  });

  it("calls anything else other, including errors that are not objects", async () => {
    const { failureKind } = await load();
    expect(failureKind(new Error("boom"))).toBe("other");
    expect(failureKind(coded("EWHATEVER"))).toBe("other");
    expect(failureKind("a thrown string")).toBe("other");
    expect(failureKind(undefined)).toBe("other");
    expect(failureKind(Object.assign(new Error("numeric code"), { code: 61 }))).toBe("other");
  });
});

describe("errorCode", () => {
  it("is the first code along the chain, outermost first", async () => {
    const { errorCode } = await load();
    expect(errorCode(coded("EOUTER", "outer"))).toBe("EOUTER");
    expect(errorCode(Object.assign(wrapped(coded("EINNER")), { code: "EOUTER" }))).toBe("EOUTER");
    expect(errorCode(wrapped(wrapped(coded("EDEEP"))))).toBe("EDEEP");
    expect(errorCode({ code: "EPLAIN" })).toBe("EPLAIN");
  });

  it("is undefined for a value without one: a string, null, a code that is not text", async () => {
    const { errorCode } = await load();
    expect(errorCode("ECONNREFUSED")).toBeUndefined();
    expect(errorCode(wrapped("ECONNREFUSED"))).toBeUndefined();
    expect(errorCode(null)).toBeUndefined();
    expect(errorCode(wrapped(null))).toBeUndefined();
    expect(errorCode({ code: 7 })).toBeUndefined();
  });

  it("looks no deeper than six links, so a cycle cannot hang it", async () => {
    const { errorCode, failureKind } = await load();
    let chain: unknown = coded("ESIXTH");
    for (let i = 0; i < 5; i++) chain = wrapped(chain);
    expect(errorCode(chain)).toBe("ESIXTH");
    expect(errorCode(wrapped(chain))).toBeUndefined();
    const cycle: Error & { cause?: unknown } = new Error("cycle");
    cycle.cause = cycle;
    expect(errorCode(cycle)).toBeUndefined();
    expect(failureKind(cycle)).toBe("other");
  });
});

describe("describeNetworkFailure", () => {
  it("says what happened for each kind of failure, and nothing for a failure that is not the network's", async () => {
    const { describeNetworkFailure, DeadlineError, ResponseTooLargeError, PlainHttpRefusedError } = await load();
    expect(describeNetworkFailure(wrapped(new DeadlineError(30_000)))).toBe("no complete answer within 30000 ms");
    expect(describeNetworkFailure(wrapped(new ResponseTooLargeError(8 * 1024 * 1024)))).toBe("the response was larger than 8 MiB");
    expect(describeNetworkFailure(wrapped(new PlainHttpRefusedError("http://auth.example")))).toBe(
      "plain http to http://auth.example was refused: only https, or http to this machine, may carry a sign-in",
    );
    expect(describeNetworkFailure(coded("ENOTFOUND"))).toBe(
      "the server could not be reached (ENOTFOUND); check your network connection and proxy settings (HTTPS_PROXY, NO_PROXY)",
    );
    expect(describeNetworkFailure(wrapped(coded("ECONNRESET")))).toBe(
      "the server could not be reached (ECONNRESET); check your network connection and proxy settings (HTTPS_PROXY, NO_PROXY)",
    );
    expect(describeNetworkFailure(coded("CERT_HAS_EXPIRED"))).toBe("its TLS certificate has expired (CERT_HAS_EXPIRED). Ask the server's operator to renew it");
    expect(describeNetworkFailure(new Error("invalid_grant"))).toBeUndefined();
  });
});

describe("tlsAdvice", () => {
  it("points a name mismatch at the host in CRONICORN_API_URL", async () => {
    const { tlsAdvice } = await load();
    for (const code of ["ERR_TLS_CERT_ALTNAME_INVALID", "HOSTNAME_MISMATCH"]) {
      expect(tlsAdvice(coded(code))).toBe(`its TLS certificate does not match the host name (${code}). Check the host in CRONICORN_API_URL`);
    }
  });

  it("points an expired certificate at the server's operator", async () => {
    const { tlsAdvice } = await load();
    expect(tlsAdvice(wrapped(coded("CERT_HAS_EXPIRED")))).toBe("its TLS certificate has expired (CERT_HAS_EXPIRED). Ask the server's operator to renew it");
  });

  it("points any other TLS failure at NODE_EXTRA_CA_CERTS, naming the code or, without one, 'TLS error'", async () => {
    const { tlsAdvice } = await load();
    const advice = (code: string) =>
      `its TLS certificate is not trusted here (${code}). If your network or server uses a private certificate authority, set NODE_EXTRA_CA_CERTS to that CA's PEM file in your MCP client's config and restart the server`;
    expect(tlsAdvice(coded("SELF_SIGNED_CERT_IN_CHAIN"))).toBe(advice("SELF_SIGNED_CERT_IN_CHAIN"));
    expect(tlsAdvice(new Error("handshake failed"))).toBe(advice("TLS error"));
  });
});

describe("the error types", () => {
  it("are named for what happened, and say it without any value of the request", async () => {
    const { NetworkError, ResponseTooLargeError, DeadlineError, PlainHttpRefusedError } = await load();
    expect(new NetworkError("m").name).toBe("NetworkError");
    expect(new ResponseTooLargeError(8 * 1024 * 1024)).toMatchObject({ name: "ResponseTooLargeError", limitBytes: 8 * 1024 * 1024 });
    expect(new DeadlineError(1500)).toMatchObject({ name: "TimeoutError", timeoutMs: 1500, message: "no complete answer within 1500 ms" });
    expect(new PlainHttpRefusedError("http://auth.example")).toMatchObject({ name: "PlainHttpRefusedError", origin: "http://auth.example" });
  });
});
