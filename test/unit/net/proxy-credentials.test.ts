/**
 * A proxy's user name and password are secrets: undici sends them as `Proxy-Authorization: Basic
 * base64(user:pass)`, and a proxy's refusal page may echo them (as written, decoded, or as that header)
 * into an error that reaches a tool result. Every such echo must come out masked.
 */
import { describe, expect, it } from "vitest";
import { redact } from "../../../src/core/log.js";
import { registerProxyCredentials } from "../../../src/net/dispatcher.js";

const basic = (pair: string) => Buffer.from(pair).toString("base64");

describe("proxy credentials", () => {
  it("masks the user name and password as written and decoded, the pair, and the Basic header built from it", () => {
    registerProxyCredentials({ HTTPS_PROXY: "http://proxy-user%2Bone:s3cr%40t-pass-one@proxy.example:3128" });
    for (const echo of ["proxy-user%2Bone", "s3cr%40t-pass-one", "proxy-user+one", "s3cr@t-pass-one", "proxy-user+one:s3cr@t-pass-one"]) {
      expect(redact(`407 for ${echo} here`), echo).toBe("407 for [redacted] here");
    }
    expect(redact(`Proxy-Authorization: Basic ${basic("proxy-user+one:s3cr@t-pass-one")}`)).toBe("Proxy-Authorization: Basic [redacted]");
  });

  it("reads every variable a proxy may come from, in either case", () => {
    const names = ["HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"];
    const env = Object.fromEntries(names.map((name, i) => [name, `http://user-${i}-of-six:password-${i}-of-six@proxy:8080`]));
    registerProxyCredentials(env);
    names.forEach((name, i) => {
      expect(redact(`user-${i}-of-six:password-${i}-of-six`), name).toBe("[redacted]");
      expect(redact(basic(`user-${i}-of-six:password-${i}-of-six`)), name).toBe("[redacted]");
    });
  });

  it("masks a user name given without a password (a token as the proxy user)", () => {
    registerProxyCredentials({ https_proxy: "http://tok_proxy_0123456789@proxy:8080" });
    expect(redact("bad tok_proxy_0123456789 given")).toBe("bad [redacted] given");
    expect(redact(basic("tok_proxy_0123456789:"))).toBe("[redacted]");
  });

  it("masks a password given without a user name", () => {
    registerProxyCredentials({ http_proxy: "http://:only-a-password-42@proxy:8080" });
    expect(redact("pw only-a-password-42 seen")).toBe("pw [redacted] seen");
    expect(redact(basic(":only-a-password-42"))).toBe("[redacted]");
  });

  it("keeps a part that does not decode as written, in the pair too", () => {
    registerProxyCredentials({ ALL_PROXY: "http://odd%zzuser-name:odd-pass-word%E0@proxy:8080" });
    expect(redact("odd%zzuser-name:odd-pass-word%E0")).toBe("[redacted]");
    expect(redact(basic("odd%zzuser-name:odd-pass-word%E0"))).toBe("[redacted]");
  });

  it("skips a variable that is not a URL, and goes on with the next", () => {
    registerProxyCredentials({ HTTPS_PROXY: "not a url at all", HTTP_PROXY: "http://after-bad-user:after-bad-pass@proxy:8080" });
    expect(redact("after-bad-user:after-bad-pass")).toBe("[redacted]");
  });

  it("registers nothing for a proxy without credentials", () => {
    registerProxyCredentials({ HTTPS_PROXY: "http://plain-proxy.example:3128" });
    expect(redact("http://plain-proxy.example:3128")).toBe("http://plain-proxy.example:3128");
  });
});
