/**
 * How doctor's findings read: one aligned line per check with its label, the → line with what to do,
 * the time where it was measured, a summary that matches the worst finding, JSON for scripts, and
 * every registered secret masked. Plus the small pieces each line is built from (check, timed, messageOf).
 */
import { describe, expect, it } from "vitest";
import { registerSecret } from "../../../src/core/log.js";
import { failed, formatJson, formatText } from "../../../src/terminal/doctor/report.js";
import { check, messageOf, timed } from "../../../src/terminal/doctor/types.js";

const ok = check("node", "Node.js", "ok", "v22.0.0 (needs >=20.19)");
const slow = check("dns", "DNS", "ok", "cronicorn.com → 1.2.3.4", undefined, 12.4);
const warn = check("sign-in", "sign-in", "warn", "not signed in", "Run `cronicorn-mcp login`.");
const fail = check("api", "API reachable", "fail", "GET … failed", "Check CRONICORN_API_URL.", 3.6);
const skip = check("tls", "TLS", "skip", "plain http");

describe("formatText", () => {
  it("aligns the details after the longest title, puts the time after the detail and the fix on its own → line", () => {
    expect(formatText([ok, slow, warn, fail, skip])).toBe(
      [
        "OK    Node.js        v22.0.0 (needs >=20.19)",
        "OK    DNS            cronicorn.com → 1.2.3.4 [12 ms]",
        "WARN  sign-in        not signed in",
        "                     → Run `cronicorn-mcp login`.",
        "FAIL  API reachable  GET … failed [4 ms]",
        "                     → Check CRONICORN_API_URL.",
        "SKIP  TLS            plain http",
        "",
        "Something needs fixing: follow the → lines above, then run `cronicorn-mcp doctor` again.",
      ].join("\n"),
    );
  });

  it("sums up warnings alone, and a clean report, in their own words", () => {
    expect(formatText([ok, warn]).split("\n").at(-1)).toBe("No failures; the WARN lines are worth a look.");
    expect(formatText([ok, skip])).toBe(["OK    Node.js  v22.0.0 (needs >=20.19)", "SKIP  TLS      plain http", "", "Everything looks fine."].join("\n"));
  });

  it("shows a time of 0 ms", () => {
    expect(formatText([check("dns", "DNS", "ok", "1.2.3.4 is an IP address", undefined, 0)]).split("\n")[0]).toBe("OK    DNS  1.2.3.4 is an IP address [0 ms]");
  });

  it("masks a registered secret wherever a server put it", () => {
    registerSecret("report-secret-0123456789");
    const leaky = check("sign-in", "sign-in", "ok", "as report-secret-0123456789", "say report-secret-0123456789");
    expect(formatText([leaky])).not.toContain("report-secret-0123456789");
    expect(formatText([leaky])).toContain("as [redacted]");
    expect(formatJson([leaky])).not.toContain("report-secret-0123456789");
  });
});

describe("formatJson", () => {
  it("is indented JSON with ok (false when any check failed) and every check as it is", () => {
    expect(formatJson([ok, warn])).toBe(JSON.stringify({ ok: true, checks: [ok, warn] }, null, 2));
    expect(JSON.parse(formatJson([ok, fail]))).toEqual({ ok: false, checks: [ok, fail] });
  });
});

describe("failed", () => {
  it("is true when any one check failed, whatever the others", () => {
    expect(failed([ok, warn, skip])).toBe(false);
    expect(failed([ok, fail])).toBe(true);
    expect(failed([fail])).toBe(true);
  });
});

describe("check", () => {
  it("leaves out an empty fix and a missing time, and rounds the time", () => {
    expect(check("x", "X", "ok", "fine", "")).toEqual({ id: "x", title: "X", status: "ok", detail: "fine" });
    expect(check("x", "X", "warn", "hm", "do this", 2.5)).toEqual({ id: "x", title: "X", status: "warn", detail: "hm", fix: "do this", ms: 3 });
    expect(check("x", "X", "ok", "fine", undefined, 0)).toEqual({ id: "x", title: "X", status: "ok", detail: "fine", ms: 0 });
  });
});

describe("timed", () => {
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it("measures how long the work took, with its value or its error", async () => {
    const value = await timed(async () => {
      await pause(40);
      return 7;
    });
    expect(value).toMatchObject({ ok: true, value: 7 });
    expect(value.ms).toBeGreaterThanOrEqual(35);
    expect(value.ms).toBeLessThan(5_000);
    const error = new Error("no");
    const failure = await timed(async () => {
      await pause(40);
      throw error;
    });
    expect(failure).toMatchObject({ ok: false, error });
    expect(failure.ms).toBeGreaterThanOrEqual(35);
    expect(failure.ms).toBeLessThan(5_000);
  });
});

describe("messageOf", () => {
  it("puts a code the message does not already name in front, and follows the cause chain", () => {
    const refused = Object.assign(new Error("connect failed"), { code: "ECONNREFUSED" });
    expect(messageOf(refused)).toBe("ECONNREFUSED: connect failed");
    expect(messageOf(Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9"), { code: "ECONNREFUSED" }))).toBe("connect ECONNREFUSED 127.0.0.1:9");
    expect(messageOf(new Error("fetch failed", { cause: refused }))).toBe("fetch failed (ECONNREFUSED: connect failed)");
    expect(messageOf(Object.assign(new Error("odd"), { code: 42 }))).toBe("odd");
    expect(messageOf(new Error("plain", { cause: "not an error" }))).toBe("plain");
  });

  it("turns anything else into text", () => {
    expect(messageOf("just text")).toBe("just text");
    expect(messageOf(404)).toBe("404");
  });
});
