/**
 * The API client's answers to every status and failure, against a real HTTP server on 127.0.0.1 that
 * answers with the real API's error shapes (docs/real-api-notes.md, "Error shapes"). Messages are
 * compared in full: they are what the user (or the model) acts on.
 */
import fs from "node:fs";
import http from "node:http";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import * as z from "zod";
import { CronicornClient } from "../../../src/api/client.js";

import { ApiError, InvalidRequestError } from "../../../src/api/errors.js";
import { silentLogger } from "../../../src/core/log.js";
import { listenOnLoopback, stopServer } from "../../stack/loopback.js";
import { makePrivateCa, startHttpsFront } from "../../helpers/net/tls.js";
import { captureLogger } from "../../helpers/store/harness.js";
import type { Authorizer, Credential } from "../../../src/auth/credential.js";
import { AuthRequiredError } from "../../../src/auth/errors.js";
import { NetworkError } from "../../../src/net/errors.js";

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}
type Answer = { status: number; headers?: Record<string, string>; body?: string } | "drop";

let server: http.Server;
let base: string;
let seen: Seen[] = [];
/** Answers in order; the last one repeats. */
let answers: Answer[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
      const answer = answers.length > 1 ? answers.shift()! : answers[0]!;
      if (answer === "drop") return req.socket.destroy();
      res.writeHead(answer.status, answer.headers ?? {});
      res.end(answer.body ?? "");
    });
  });
  base = `http://127.0.0.1:${await listenOnLoopback(server)}/api`;
});
afterAll(async () => stopServer(server));
beforeEach(() => {
  seen = [];
  answers = [];
});

const json = (status: number, body: unknown, headers: Record<string, string> = {}): Answer => ({
  status,
  headers: { "content-type": "application/json", ...headers },
  body: JSON.stringify(body),
});
const text = (status: number, body: string, headers: Record<string, string> = {}): Answer => ({
  status,
  headers: { "content-type": "text/plain; charset=utf-8", ...headers },
  body,
});

const key: Credential = { kind: "api-key", value: "key-abcdef-123" };
const bearer: Credential = { kind: "bearer", value: "bearer-abcdef-123" };
const fixed = (credential: Credential): Authorizer => ({ credential: async () => credential, unauthorized: async () => null });

function client(authorizer: Authorizer = fixed(bearer), apiUrl = base, timeoutMs = 5000) {
  return new CronicornClient({ apiUrl, timeoutMs, authorizer, logger: silentLogger });
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a rejection");
}

describe("what the client sends", () => {
  it("sends the bearer token, accept and the query (undefined values left out), and no content type on GET", async () => {
    answers = [json(200, { ok: true })];
    await client().request({ method: "GET", path: "/jobs", query: { limit: 5, archived: false, cursor: undefined, q: "a b" } });
    expect(seen).toHaveLength(1);
    expect(seen[0]!.method).toBe("GET");
    expect(seen[0]!.url).toBe("/api/jobs?limit=5&archived=false&q=a+b");
    expect(seen[0]!.headers.authorization).toBe("Bearer bearer-abcdef-123");
    expect(seen[0]!.headers["x-api-key"]).toBeUndefined();
    expect(seen[0]!.headers.accept).toBe("application/json");
    expect(seen[0]!.headers["content-type"]).toBeUndefined();
  });

  it("sends an API key as x-api-key, and a JSON content type on every non-GET, body or not", async () => {
    answers = [{ status: 204 }];
    await client(fixed(key)).request({ method: "POST", path: "/jobs/j1/pause" });
    await client(fixed(key)).request({ method: "PATCH", path: "/jobs/j1", body: { name: "n" } });
    expect(seen.map((s) => [s.method, s.headers["content-type"], s.headers["x-api-key"], s.headers.authorization, s.body])).toEqual([
      ["POST", "application/json", "key-abcdef-123", undefined, ""],
      ["PATCH", "application/json", "key-abcdef-123", undefined, '{"name":"n"}'],
    ]);
  });

  it("returns nothing for a success without a response schema", async () => {
    answers = [json(200, { id: "x" })];
    await expect(client().request({ method: "DELETE", path: "/jobs/x" })).resolves.toBeUndefined();
  });
});

describe("success bodies", () => {
  const Job = z.object({ id: z.string(), name: z.string() });

  it("parses a JSON body with the schema", async () => {
    answers = [json(200, { id: "j1", name: "n", extra: 1 })];
    await expect(client().request({ method: "GET", path: "/jobs/j1", response: Job })).resolves.toEqual({ id: "j1", name: "n" });
  });

  it("accepts an empty body when the schema allows it", async () => {
    answers = [{ status: 204 }];
    await expect(client().request({ method: "POST", path: "/x", response: Job.optional() })).resolves.toBeUndefined();
  });

  it("reports a body that is not JSON", async () => {
    answers = [{ status: 200, headers: { "content-type": "application/json" }, body: "<html>oops" }];
    const error = await failure(client().request({ method: "GET", path: "/jobs", response: Job }));
    expect(error).toBeInstanceOf(NetworkError);
    expect(error.message).toBe("Cronicorn returned a response that is not valid JSON for GET /jobs (status 200). This is usually temporary; try again.");
  });

  it("reports a body of the wrong shape, naming at most three fields", async () => {
    answers = [json(200, { a: 1 })];
    const Wide = z.object({ id: z.string(), name: z.string(), b: z.string(), c: z.string() });
    const error = await failure(client().request({ method: "GET", path: "/jobs/j1", response: Wide }));
    expect(error).toBeInstanceOf(NetworkError);
    expect(error.message).toMatch(
      /^Cronicorn returned an unexpected response for GET \/jobs\/j1 \(id: [^;]+; name: [^;]+; b: [^;)]+\)\. Is CRONICORN_API_URL pointing at a Cronicorn API\?$/,
    );
  });

  it("names the body itself when the whole body is of the wrong type", async () => {
    answers = [json(200, [1, 2])];
    const error = await failure(client().request({ method: "GET", path: "/jobs/j1", response: Job }));
    expect(error.message).toMatch(/unexpected response for GET \/jobs\/j1 \(body: /);
  });
});

describe("error statuses, in the real API's shapes", () => {
  it("422 with the API's nested ZodError issues names each field", async () => {
    const body = {
      success: false,
      error: {
        name: "ZodError",
        issues: [
          { code: "invalid_type", path: ["name"], message: "Required" },
          { code: "custom", path: ["schedule", "cron"], message: "bad cron" },
        ],
      },
    };
    answers = [json(422, body)];
    const error = await failure(client().request({ method: "POST", path: "/jobs", body: {} }));
    expect(error).toBeInstanceOf(ApiError);
    expect(error.message).toBe("Cronicorn rejected the request: name: Required; schedule.cron: bad cron. Fix the named field(s) and try again.");
    expect((error as ApiError).status).toBe(422);
    expect((error as ApiError).body).toEqual(body);
  });

  it("400 with top-level issues: a pathless issue is its message, a bare value is itself, a messageless one is 'invalid'", async () => {
    answers = [json(400, { issues: [{ message: "too many" }, "plain", { path: ["a"] }, null, { path: [], message: "empty path" }] })];
    const error = await failure(client().request({ method: "POST", path: "/jobs", body: {} }));
    expect(error.message).toBe("Cronicorn rejected the request: too many; plain; a: invalid; null; empty path. Fix the named field(s) and try again.");
    expect((error as ApiError).status).toBe(400);
  });

  it("400 whose issues are not a list falls back to the reason", async () => {
    answers = [json(400, { error: "name is taken", issues: "nope" })];
    const error = await failure(client().request({ method: "POST", path: "/jobs", body: {} }));
    expect(error.message).toBe("Cronicorn rejected the request: name is taken. Change the request accordingly and try again.");
  });

  it("400 whose error is an object without issues uses top-level issues", async () => {
    answers = [json(400, { error: { name: "Other" }, issues: [{ path: ["x"], message: "m" }] })];
    const error = await failure(client().request({ method: "POST", path: "/jobs", body: {} }));
    expect(error.message).toBe("Cronicorn rejected the request: x: m. Fix the named field(s) and try again.");
  });

  it("400 with a message field, and 400 with nothing at all", async () => {
    answers = [json(400, { message: "bad input" }), { status: 400 }];
    const first = await failure(client().request({ method: "POST", path: "/jobs", body: {} }));
    expect(first.message).toBe("Cronicorn rejected the request: bad input. Change the request accordingly and try again.");
    const second = await failure(client().request({ method: "POST", path: "/jobs", body: {} }));
    expect(second.message).toBe("Cronicorn rejected the request (400) without saying why. Check the arguments and try again.");
  });

  it("400 whose body is a JSON string or number has no fields", async () => {
    answers = [json(400, "just text"), json(400, 7)];
    expect((await failure(client().request({ method: "POST", path: "/a", body: {} }))).message).toBe(
      "Cronicorn rejected the request (400) without saying why. Check the arguments and try again.",
    );
    expect((await failure(client().request({ method: "POST", path: "/a", body: {} }))).message).toBe(
      "Cronicorn rejected the request (400) without saying why. Check the arguments and try again.",
    );
  });

  it("403 as text/plain (the CSRF guard) carries the reason; without one it says only the status", async () => {
    answers = [text(403, "Forbidden"), { status: 403 }];
    const first = await failure(client().request({ method: "POST", path: "/jobs", body: {} }));
    expect(first.message).toBe(
      "Cronicorn refused POST /jobs (403: Forbidden). The credential may lack permission for this resource, the resource may belong to another account, or a proxy or firewall refused it.",
    );
    const second = await failure(client().request({ method: "DELETE", path: "/jobs/j" }));
    expect(second.message).toBe(
      "Cronicorn refused DELETE /jobs/j (403). The credential may lack permission for this resource, the resource may belong to another account, or a proxy or firewall refused it.",
    );
    expect((second as ApiError).status).toBe(403);
  });

  it("404 names the resource and the list tool that shows valid ids", async () => {
    answers = [json(404, { message: "Job not found" })];
    const named = await failure(client().request({ method: "GET", path: "/jobs/abc", what: "job abc" }));
    expect(named.message).toBe("Not found: job abc. Check the id (list_jobs shows valid job ids).");
    const unnamed = await failure(client().request({ method: "GET", path: "/other/abc" }));
    expect(unnamed.message).toBe("Not found: /other/abc. Check the id.");
    expect((unnamed as ApiError).status).toBe(404);
  });

  it("409 on creating a signing key points to rotate_signing_key; other 409s carry the reason", async () => {
    answers = [json(409, { error: "exists" })];
    const keyConflict = await failure(client().request({ method: "POST", path: "/signing-keys" }));
    expect(keyConflict.message).toBe(
      "Conflict: a signing key already exists for this account: use rotate_signing_key to replace it (get_signing_key shows the current one).",
    );
    expect((keyConflict as ApiError).status).toBe(409);
    const otherMethod = await failure(client().request({ method: "PUT", path: "/signing-keys" }));
    expect(otherMethod.message).toBe("Conflict: exists.");
    const otherPath = await failure(client().request({ method: "POST", path: "/signing-keys/rotate" }));
    expect(otherPath.message).toBe("Conflict: exists.");
    answers = [{ status: 409 }];
    const bare = await failure(client().request({ method: "POST", path: "/jobs", body: {} }));
    expect(bare.message).toBe("Conflict: the resource already exists or is in a conflicting state.");
  });

  it("429 on a POST is not retried and says when to try again", async () => {
    answers = [json(429, {}, { "retry-after": "2.5" })];
    const error = await failure(client().request({ method: "POST", path: "/jobs", body: {} }));
    expect(error.message).toBe("Cronicorn is rate-limiting requests (429). Try again in 3 s.");
    expect((error as ApiError).status).toBe(429);
    expect(seen).toHaveLength(1);
    answers = [json(429, {})];
    const noHeader = await failure(client().request({ method: "POST", path: "/jobs", body: {} }));
    expect(noHeader.message).toBe("Cronicorn is rate-limiting requests (429). Try again in a little while.");
    answers = [json(429, {}, { "retry-after": "soon-ish" })];
    const garbage = await failure(client().request({ method: "POST", path: "/jobs", body: {} }));
    expect(garbage.message).toBe("Cronicorn is rate-limiting requests (429). Try again in a little while.");
    answers = [json(429, {}, { "retry-after": "-5" })];
    const negative = await failure(client().request({ method: "POST", path: "/jobs", body: {} }));
    expect(negative.message).toBe("Cronicorn is rate-limiting requests (429). Try again in 0 s.");
  });

  it("429 with an HTTP-date Retry-After counts down to it", async () => {
    answers = [json(429, {}, { "retry-after": new Date(Date.now() + 60_000).toUTCString() })];
    const error = await failure(client().request({ method: "POST", path: "/jobs", body: {} }));
    expect(error.message).toMatch(/^Cronicorn is rate-limiting requests \(429\)\. Try again in (5\d|60) s\.$/);
    answers = [json(429, {}, { "retry-after": new Date(Date.now() - 60_000).toUTCString() })];
    const past = await failure(client().request({ method: "POST", path: "/jobs", body: {} }));
    expect(past.message).toBe("Cronicorn is rate-limiting requests (429). Try again in 0 s.");
  });

  it("a GET that gets 429 with a short Retry-After waits and tries once more, then reports", async () => {
    answers = [json(429, {}, { "retry-after": "0" }), json(200, { ok: 1 })];
    await expect(client().request({ method: "GET", path: "/jobs" })).resolves.toBeUndefined();
    expect(seen).toHaveLength(2);
    seen = [];
    answers = [json(429, {}, { "retry-after": "0" })];
    const error = await failure(client().request({ method: "GET", path: "/jobs" }));
    expect(error.message).toBe("Cronicorn is rate-limiting requests (429). Try again in 0 s.");
    expect(seen).toHaveLength(2);
  });

  it("a GET is not retried when Retry-After is longer than the client waits, or absent", async () => {
    answers = [json(429, {}, { "retry-after": "11" })];
    const error = await failure(client().request({ method: "GET", path: "/jobs" }));
    expect(error.message).toBe("Cronicorn is rate-limiting requests (429). Try again in 11 s.");
    expect(seen).toHaveLength(1);
    seen = [];
    answers = [json(429, {})];
    await failure(client().request({ method: "GET", path: "/jobs" }));
    expect(seen).toHaveLength(1);
  });

  it("a POST marked idempotent is retried after a short Retry-After", async () => {
    answers = [json(429, {}, { "retry-after": "0" }), { status: 204 }];
    await client().request({ method: "POST", path: "/jobs/j/pause", idempotent: true });
    expect(seen).toHaveLength(2);
  });

  it("5xx is a server error; a GET is sent once more on 502/503/504, other methods and statuses are not", async () => {
    answers = [json(503, {}), json(200, {})];
    await client().request({ method: "GET", path: "/jobs" });
    expect(seen).toHaveLength(2);

    seen = [];
    answers = [json(502, {})];
    const twice = await failure(client().request({ method: "GET", path: "/jobs" }));
    expect(twice.message).toBe("Cronicorn had a server error (502) on GET /jobs. This is usually temporary; try again shortly.");
    expect(seen).toHaveLength(2);

    seen = [];
    answers = [json(504, {})];
    await failure(client().request({ method: "GET", path: "/jobs" }));
    expect(seen).toHaveLength(2);

    seen = [];
    answers = [json(500, {})];
    const once = await failure(client().request({ method: "GET", path: "/jobs" }));
    expect(once.message).toBe("Cronicorn had a server error (500) on GET /jobs. This is usually temporary; try again shortly.");
    expect((once as ApiError).status).toBe(500);
    expect(seen).toHaveLength(1);

    seen = [];
    answers = [json(503, {})];
    await failure(client().request({ method: "PUT", path: "/jobs/j", body: {} }));
    expect(seen).toHaveLength(1);
  });

  it("a 500 where Cronicorn answers an unknown id with 500 (test-now) says the id may not exist; any other server error stays one", async () => {
    const test = (unknownIdStatus?: number) =>
      failure(client().request({ method: "POST", path: "/endpoints/e1/test", what: "endpoint e1", ...(unknownIdStatus ? { unknownIdStatus } : {}) }));
    answers = [json(500, { message: "Internal Server Error" })];
    const unknown = await test(500);
    expect(unknown.message).toBe(
      "Cronicorn had a server error (500) on POST /endpoints/e1/test, which is also how it answers when endpoint e1 does not exist: " +
        "check the id (list_endpoints shows valid endpoint ids). If the id is right, the fault is on Cronicorn's side; try again shortly.",
    );
    expect(unknown).toMatchObject({ status: 500 });
    expect((await test()).message).toBe("Cronicorn had a server error (500) on POST /endpoints/e1/test. This is usually temporary; try again shortly.");
    answers = [json(503, {})];
    expect((await test(500)).message).toBe("Cronicorn had a server error (503) on POST /endpoints/e1/test. This is usually temporary; try again shortly.");
    answers = [json(500, {})];
    expect((await failure(client().request({ method: "POST", path: "/other", unknownIdStatus: 500 }))).message).toBe(
      "Cronicorn had a server error (500) on POST /other, which is also how it answers when the resource does not exist: check the id. If the id is right, the fault is on Cronicorn's side; try again shortly.",
    );
  });

  it("a business rule comes as text/plain and its text is the reason; whitespace folded, long text cut", async () => {
    answers = [text(402, "  Free tier\n  limit   reached  ")];
    const error = await failure(client().request({ method: "POST", path: "/jobs", body: {} }));
    expect(error.message).toBe("Cronicorn refused POST /jobs (402): Free tier limit reached.");
    answers = [text(402, "x".repeat(600))];
    const long = await failure(client().request({ method: "POST", path: "/jobs", body: {} }));
    expect(long.message).toBe(`Cronicorn refused POST /jobs (402): ${"x".repeat(500)}…`);
    answers = [text(402, "y".repeat(500))];
    const exact = await failure(client().request({ method: "POST", path: "/jobs", body: {} }));
    expect(exact.message).toBe(`Cronicorn refused POST /jobs (402): ${"y".repeat(500)}.`);
    answers = [text(418, "   ")];
    const blank = await failure(client().request({ method: "POST", path: "/jobs", body: {} }));
    expect(blank.message).toBe("Cronicorn refused POST /jobs (418).");
    expect((blank as ApiError).status).toBe(418);
  });

  it("an HTML error page is never the reason, and a JSON-looking text/plain body is not parsed", async () => {
    answers = [{ status: 402, headers: { "content-type": "text/html" }, body: "<html>limit</html>" }];
    const html = await failure(client().request({ method: "POST", path: "/jobs", body: {} }));
    expect(html.message).toBe("Cronicorn refused POST /jobs (402).");
    expect((html as ApiError).body).toBeUndefined();
    answers = [text(400, '{"error":"from json"}')];
    const plain = await failure(client().request({ method: "POST", path: "/jobs", body: {} }));
    expect((plain as ApiError).body).toBeUndefined();
    expect(plain.message).toBe('Cronicorn rejected the request: {"error":"from json"}. Change the request accordingly and try again.');
  });

  it("a body without a content type is read as JSON", async () => {
    answers = [{ status: 409, body: JSON.stringify({ message: "busy" }) }];
    const error = await failure(client().request({ method: "POST", path: "/jobs", body: {} }));
    expect(error.message).toBe("Conflict: busy.");
    expect((error as ApiError).body).toEqual({ message: "busy" });
    answers = [{ status: 409, headers: { "content-type": "application/problem+JSON" }, body: JSON.stringify({ error: "e" }) }];
    expect((await failure(client().request({ method: "POST", path: "/jobs", body: {} }))).message).toBe("Conflict: e.");
  });

  it("a JSON error body that does not parse is no reason", async () => {
    answers = [{ status: 409, headers: { "content-type": "application/json" }, body: "{nope" }];
    const error = await failure(client().request({ method: "POST", path: "/jobs", body: {} }));
    expect(error.message).toBe("Conflict: the resource already exists or is in a conflicting state.");
    expect((error as ApiError).body).toBeUndefined();
  });

  it("an error field that is not a string is not the reason", async () => {
    answers = [json(409, { error: 5, message: "the message" })];
    expect((await failure(client().request({ method: "POST", path: "/jobs", body: {} }))).message).toBe("Conflict: the message.");
    answers = [json(409, { error: 5, message: 6 })];
    expect((await failure(client().request({ method: "POST", path: "/jobs", body: {} }))).message).toBe(
      "Conflict: the resource already exists or is in a conflicting state.",
    );
  });
});

describe("refusals as Cronicorn 1.25.0 words them: 400 text/plain, ending in a full stop, naming no field", () => {
  const refusal = async (reason: string) => {
    answers = [text(400, reason)];
    return (await failure(client().request({ method: "POST", path: "/jobs/j/endpoints", body: {} }))).message;
  };

  it("an endpoint-limit refusal keeps its one full stop and says how to go on: get_usage, archive_endpoint or an upgrade", async () => {
    expect(
      await refusal("Endpoint limit reached: free tier allows maximum 5 endpoints. Upgrade to Pro for 100 endpoints or Enterprise for 1,000 endpoints."),
    ).toBe(
      "Cronicorn rejected the request: Endpoint limit reached: free tier allows maximum 5 endpoints. Upgrade to Pro for 100 endpoints or Enterprise for 1,000 endpoints. " +
        "get_usage shows your plan's quotas and use; archive an endpoint you no longer need (archive_endpoint: archived endpoints do not count) or upgrade the plan, then try again.",
    );
  });

  it("an interval refusal, for a baseline or an AI hint, names the minimum to use and get_usage", async () => {
    const tail = "free tier requires minimum 60000ms (60s) between runs. Upgrade to Pro for shorter intervals.";
    const advice = "Use an interval of at least 60000 ms, or upgrade the plan for shorter ones (get_usage shows your plan).";
    expect(await refusal(`Interval too short: ${tail}`)).toBe(`Cronicorn rejected the request: Interval too short: ${tail} ${advice}`);
    expect(await refusal(`AI hint interval too short: ${tail}`)).toBe(`Cronicorn rejected the request: AI hint interval too short: ${tail} ${advice}`);
    expect(await refusal("Interval too short for this plan")).toBe(
      "Cronicorn rejected the request: Interval too short for this plan. Use a longer interval, or upgrade the plan for shorter ones (get_usage shows your plan).",
    );
  });

  it("another refusal naming the plan points to get_usage and an upgrade", async () => {
    expect(await refusal("Run limit reached: free tier allows 10000 runs a month.")).toBe(
      "Cronicorn rejected the request: Run limit reached: free tier allows 10000 runs a month. get_usage shows your plan's quotas and use; stay within them or upgrade the plan.",
    );
  });

  it("any other reason gets a full stop only when it has none, and no talk of named fields", async () => {
    expect(await refusal("Maximum interval must be greater than minimum interval")).toBe(
      "Cronicorn rejected the request: Maximum interval must be greater than minimum interval. Change the request accordingly and try again.",
    );
    expect(await refusal("Is this right?")).toBe("Cronicorn rejected the request: Is this right? Change the request accordingly and try again.");
    expect(await refusal("Stop!")).toBe("Cronicorn rejected the request: Stop! Change the request accordingly and try again.");
  });

  it("'Fix the named field(s)' only when an issue names a field", async () => {
    answers = [json(400, { issues: [{ message: "too many" }, { path: [], message: "empty path" }] })];
    expect((await failure(client().request({ method: "POST", path: "/jobs", body: {} }))).message).toBe(
      "Cronicorn rejected the request: too many; empty path. Change the request accordingly and try again.",
    );
  });

  it("other statuses with a reason get one full stop too", async () => {
    answers = [json(409, { message: "Signing key already exists. Use rotate to generate a new one." })];
    expect((await failure(client().request({ method: "PUT", path: "/signing-keys" }))).message).toBe(
      "Conflict: Signing key already exists. Use rotate to generate a new one.",
    );
    answers = [text(402, "Payment required.")];
    expect((await failure(client().request({ method: "POST", path: "/jobs", body: {} }))).message).toBe(
      "Cronicorn refused POST /jobs (402): Payment required.",
    );
  });
});

describe("edges of the answers", () => {
  it("an empty Retry-After is no time at all", async () => {
    answers = [json(429, {}, { "retry-after": "" })];
    const error = await failure(client().request({ method: "POST", path: "/jobs", body: {} }));
    expect(error.message).toBe("Cronicorn is rate-limiting requests (429). Try again in a little while.");
  });

  it("a body of only whitespace counts as empty, not as invalid JSON", async () => {
    answers = [{ status: 200, headers: { "content-type": "application/json" }, body: "  \n " }];
    await expect(client().request({ method: "GET", path: "/jobs", response: z.object({ id: z.string() }).optional() })).resolves.toBeUndefined();
  });

  it("a dropped POST under a job's endpoints (a long job id) points to list_endpoints; a path that only contains it does not", async () => {
    answers = ["drop"];
    const nested = await failure(client().request({ method: "POST", path: "/jobs/job-123/endpoints", body: {} }));
    expect(nested.message).toContain("check with list_endpoints before retrying");
    answers = ["drop"];
    const other = await failure(client().request({ method: "POST", path: "/x/jobs/job-123/endpoints", body: {} }));
    expect(other.message).toContain("check with list_jobs before retrying");
    answers = ["drop"];
    const inner = await failure(client().request({ method: "POST", path: "/jobs/endpoints/e", body: {} }));
    expect(inner.message).toContain("check with list_jobs before retrying");
  });

  it("a text/plain reason needs text/plain at the start of the content type", async () => {
    answers = [{ status: 402, headers: { "content-type": "application/x-text/plain" }, body: "not a reason" }];
    const error = await failure(client().request({ method: "POST", path: "/jobs", body: {} }));
    expect(error.message).toBe("Cronicorn refused POST /jobs (402).");
  });

  it("a deadline on a GET is not sent again", async () => {
    let received = 0;
    const silent = http.createServer(() => void (received += 1));
    const url = `http://127.0.0.1:${await listenOnLoopback(silent)}/api`;
    try {
      await failure(client(fixed(bearer), url, 300).request({ method: "GET", path: "/jobs" }));
      expect(received).toBe(1);
    } finally {
      await stopServer(silent);
    }
  });
});

describe("redirects", () => {
  it("are never followed, and name only the target's origin", async () => {
    answers = [{ status: 302, headers: { location: "https://elsewhere.example:8443/steal?x=1" } }];
    const error = await failure(client().request({ method: "GET", path: "/jobs" }));
    expect(error).toBeInstanceOf(NetworkError);
    expect(error.message).toBe(
      "Cronicorn answered GET /jobs with a redirect (302) to https://elsewhere.example:8443; it was not followed, so no credential was sent there. Check CRONICORN_API_URL (it should be the API's final address, e.g. https://api.cronicorn.com/api).",
    );
    expect(seen).toHaveLength(1);
  });

  it("a relative Location resolves against the API address; none, or an unparsable one, names no target", async () => {
    answers = [{ status: 301, headers: { location: "/elsewhere" } }];
    expect((await failure(client().request({ method: "GET", path: "/jobs" }))).message).toContain(`(301) to ${new URL(base).origin};`);
    answers = [{ status: 307 }];
    expect((await failure(client().request({ method: "POST", path: "/jobs", body: {} }))).message).toContain("with a redirect (307) to another address;");
    answers = [{ status: 308, headers: { location: "http://[::1" } }];
    expect((await failure(client().request({ method: "GET", path: "/jobs" }))).message).toContain("with a redirect (308) to another address;");
  });

  it("a 300 is a redirect too, a 299 and a 400 are not", async () => {
    answers = [{ status: 300 }];
    expect(await failure(client().request({ method: "GET", path: "/jobs" }))).toBeInstanceOf(NetworkError);
    answers = [{ status: 299 }];
    await expect(client().request({ method: "GET", path: "/jobs" })).resolves.toBeUndefined();
    answers = [{ status: 399 }];
    expect(await failure(client().request({ method: "GET", path: "/jobs" }))).toBeInstanceOf(NetworkError);
  });
});

describe("401", () => {
  it("a rejected API key says so, and signing in would not help", async () => {
    answers = [text(401, "Unauthorized")];
    const error = await failure(client(fixed(key)).request({ method: "GET", path: "/jobs" }));
    expect(error).toBeInstanceOf(AuthRequiredError);
    expect(error.message).toBe(
      "Cronicorn rejected CRONICORN_API_KEY (401). Check the key in the Cronicorn dashboard (Settings → API keys) and update your MCP client's config.",
    );
    expect((error as AuthRequiredError).signInHelps).toBe(false);
  });

  it("a rejected sign-in asks to sign in again", async () => {
    answers = [json(401, { error: "Unauthorized - bad token", status: 401 })];
    const error = await failure(client().request({ method: "GET", path: "/jobs" }));
    expect(error).toBeInstanceOf(AuthRequiredError);
    expect((error as AuthRequiredError).signInHelps).toBe(true);
    expect(error.message).toBe(new AuthRequiredError().message);
  });

  it("retries once with the authorizer's new credential, and asks it only once", async () => {
    const rejected: Credential[] = [];
    const authorizer: Authorizer = {
      credential: async () => bearer,
      unauthorized: async (c) => {
        rejected.push(c);
        return { kind: "bearer", value: `fresh-${rejected.length}-token` };
      },
    };
    answers = [json(401, {}), json(200, {})];
    await client(authorizer).request({ method: "POST", path: "/jobs", body: {} });
    expect(seen.map((s) => s.headers.authorization)).toEqual(["Bearer bearer-abcdef-123", "Bearer fresh-1-token"]);
    expect(rejected).toEqual([bearer]);

    seen = [];
    rejected.length = 0;
    answers = [json(401, {})];
    const error = await failure(client(authorizer).request({ method: "GET", path: "/jobs" }));
    expect(error).toBeInstanceOf(AuthRequiredError);
    expect(seen).toHaveLength(2);
    expect(rejected).toHaveLength(1);
  });

  it("after many requests with the key in the last minute, a 401 is most likely the per-key rate limit", async () => {
    const c = client(fixed(key));
    answers = [json(200, {})];
    for (let i = 0; i < 48; i++) await c.request({ method: "GET", path: "/jobs" });
    answers = [text(401, "Unauthorized")];
    // The 49th request: below the threshold, still "check the key".
    expect((await failure(c.request({ method: "GET", path: "/jobs" }))).message).toMatch(/^Cronicorn rejected CRONICORN_API_KEY \(401\)/);
    // The 50th: at the threshold.
    const burst = await failure(c.request({ method: "GET", path: "/jobs" }));
    expect(burst.message).toBe(
      "Cronicorn answered 401 to CRONICORN_API_KEY after 50 requests with it in the last minute. That is most likely Cronicorn's per-key rate limit (about 100 requests a minute), not a bad key: wait a minute and try again, with fewer calls.",
    );
    expect((burst as AuthRequiredError).signInHelps).toBe(false);
  });

  it("bearer requests do not count towards the key's burst", async () => {
    const c = client(fixed(bearer));
    answers = [json(200, {})];
    for (let i = 0; i < 55; i++) await c.request({ method: "GET", path: "/jobs" });
    answers = [json(401, {})];
    expect((await failure(c.request({ method: "GET", path: "/jobs" }))).message).toBe(new AuthRequiredError().message);
  });
});

describe("network failures", () => {
  it("a closed port is 'cannot reach', with the code", async () => {
    const closed = http.createServer();
    const port = await listenOnLoopback(closed);
    await stopServer(closed);
    const url = `http://127.0.0.1:${port}/api`;
    const error = await failure(client(fixed(bearer), url).request({ method: "GET", path: "/jobs" }));
    expect(error).toBeInstanceOf(NetworkError);
    expect(error.message).toBe(
      `Cannot reach Cronicorn at ${url} (ECONNREFUSED). Check your network connection, proxy settings (HTTPS_PROXY, NO_PROXY) and CRONICORN_API_URL, then try again.`,
    );
    // Not applied anywhere: a POST says the same.
    const post = await failure(client(fixed(bearer), url).request({ method: "POST", path: "/jobs", body: {} }));
    expect(post.message).toBe(error.message);
  });

  it("a dropped connection on a PUT or DELETE is sent once more; twice is 'cannot reach'", async () => {
    answers = ["drop", { status: 204 }];
    await client().request({ method: "PUT", path: "/jobs/j", body: {} });
    expect(seen).toHaveLength(2);
    seen = [];
    answers = ["drop", { status: 204 }];
    await client().request({ method: "DELETE", path: "/jobs/j" });
    expect(seen).toHaveLength(2);
    seen = [];
    answers = ["drop"];
    const error = await failure(client().request({ method: "DELETE", path: "/jobs/j" }));
    expect(error.message).toMatch(/^Cannot reach Cronicorn at http:\/\/127\.0\.0\.1:\d+\/api \((ECONNRESET|UND_ERR_SOCKET)\)\. Check your network/);
    expect(seen).toHaveLength(2);
  });

  it("a dropped POST is not sent again, and names the tool that shows whether it was applied", async () => {
    const cases: Array<[string, string]> = [
      ["/jobs", "list_jobs"],
      ["/jobs/j/endpoints", "list_endpoints"],
      ["/endpoints/e/pause", "list_endpoints"],
      ["/signing-keys/rotate", "get_signing_key"],
      ["/devices/d/revoke", "list_devices"],
      ["/sessions", "list_jobs"],
    ];
    for (const [path, tool] of cases) {
      seen = [];
      answers = ["drop"];
      const error = await failure(client().request({ method: "POST", path, body: {} }));
      expect(error).toBeInstanceOf(NetworkError);
      expect(error.message).toMatch(
        new RegExp(
          `^The connection to Cronicorn broke during POST ${path.replace(/\//g, "\\/")} \\((ECONNRESET|UND_ERR_SOCKET)\\)\\. The request may or may not have been applied; check with ${tool} before retrying\\.$`,
        ),
      );
      expect(seen).toHaveLength(1);
    }
  });

  it("a POST marked idempotent is sent once more after a drop", async () => {
    answers = ["drop", { status: 204 }];
    await client().request({ method: "POST", path: "/jobs/j/pause", idempotent: true });
    expect(seen).toHaveLength(2);
  });

  it("a GET marked not idempotent is not sent again", async () => {
    answers = ["drop", { status: 204 }];
    const error = await failure(client().request({ method: "GET", path: "/jobs", idempotent: false }));
    expect(error.message).toContain("may or may not have been applied; check with list_jobs");
    expect(seen).toHaveLength(1);
  });

  it("a deadline names the wait, and for a POST that it may have been applied", async () => {
    const silent = http.createServer(() => undefined);
    const url = `http://127.0.0.1:${await listenOnLoopback(silent)}/api`;
    try {
      const get = await failure(client(fixed(bearer), url, 600).request({ method: "GET", path: "/jobs" }));
      expect(get).toBeInstanceOf(NetworkError);
      expect(get.message).toBe("Cronicorn did not answer GET /jobs within 1 s. It may be slow or unreachable. Try again, or raise CRONICORN_TIMEOUT_MS.");
      const post = await failure(client(fixed(bearer), url, 400).request({ method: "POST", path: "/jobs", body: {} }));
      expect(post.message).toBe(
        "Cronicorn did not answer POST /jobs within 0 s. It may be slow or unreachable. The request may or may not have been applied; check with list_jobs before retrying.",
      );
    } finally {
      await stopServer(silent);
    }
  });

  it("an oversized answer is refused and named", async () => {
    const big = http.createServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-length": String(9 * 1024 * 1024) });
      res.write("[");
    });
    const url = `http://127.0.0.1:${await listenOnLoopback(big)}/api`;
    try {
      const error = await failure(client(fixed(bearer), url).request({ method: "GET", path: "/runs" }));
      expect(error).toBeInstanceOf(NetworkError);
      expect(error.message).toBe(
        "Cronicorn's answer to GET /runs was larger than 8 MiB and was refused. Ask for less (a smaller limit or time range) and try again.",
      );
    } finally {
      await stopServer(big);
    }
  });

  it("any other failure (here: a header undici refuses) is a failed request, with its message", async () => {
    const odd: Credential = { kind: "bearer", value: "line\nbreak-token" };
    const get = await failure(client(fixed(odd)).request({ method: "GET", path: "/jobs" }));
    expect(get).toBeInstanceOf(NetworkError);
    expect(get.message).toMatch(/^The request GET \/jobs to Cronicorn failed \([^)]+\)\. Try again\.$/);
    const post = await failure(client(fixed(odd)).request({ method: "POST", path: "/devices/d", body: {} }));
    expect(post.message).toMatch(
      /^The request POST \/devices\/d to Cronicorn failed \([^)]+\)\. The request may or may not have been applied; check with list_devices before retrying\.$/,
    );
    expect(seen).toHaveLength(0);
  });
});

describe("arguments that cannot be sent", () => {
  it("a body nested too deeply is the caller's input, not a network failure", async () => {
    let deep: unknown = 1;
    for (let i = 0; i < 20_000; i++) deep = [deep];
    const error = await failure(client().request({ method: "POST", path: "/jobs", body: deep }));
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect(error.message).toBe("The arguments for POST /jobs are too deeply nested to send. Flatten the nested values and try again.");
    expect(seen).toHaveLength(0);
  });

  it("a body JSON cannot express says why", async () => {
    const error = await failure(client().request({ method: "PATCH", path: "/jobs/j", body: { n: 1n } }));
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect(error.message).toBe("The arguments for PATCH /jobs/j cannot be sent as JSON (Do not know how to serialize a BigInt).");
    expect(seen).toHaveLength(0);
  });

  it("a body that throws a non-Error says so", async () => {
    const error = await failure(
      client().request({
        method: "PATCH",
        path: "/jobs/j",
        body: {
          toJSON() {
            throw "refused";
          },
        },
      }),
    );
    expect(error.message).toBe("The arguments for PATCH /jobs/j cannot be sent as JSON (refused).");
  });
});

describe("what the client logs at debug level", () => {
  /** A client whose log lines are kept; all of them must be debug lines. */
  function logged() {
    const logger = captureLogger();
    const debugLines = () => {
      expect(logger.lines.filter((l) => l.level !== "debug")).toEqual([]);
      return logger.lines.map((l) => l.message);
    };
    return { debugLines, client: new CronicornClient({ apiUrl: base, timeoutMs: 5000, authorizer: fixed(bearer), logger }) };
  }

  it("each exchange with its status and time, and each retry with its reason", async () => {
    const { debugLines, client: c } = logged();
    answers = [{ status: 429, headers: { "retry-after": "0" } }, "drop", json(200, {})];
    await c.request({ method: "GET", path: "/jobs" });
    answers = [{ status: 503 }, json(200, {})];
    await c.request({ method: "GET", path: "/jobs" });
    const lines = debugLines();
    expect(lines.filter((l) => !l.includes(" → "))).toEqual([
      "GET /jobs: rate limited, retrying in 0 ms",
      "GET /jobs: connection lost, sending once more",
      "GET /jobs: 503, retrying once",
    ]);
    const exchanges = lines.filter((l) => l.includes(" → "));
    expect(exchanges.map((l) => l.replace(/ in \d+ ms$/, ""))).toEqual(["GET /jobs → 429", "GET /jobs → 200", "GET /jobs → 503", "GET /jobs → 200"]);
    for (const line of exchanges) expect(Number(/ in (\d+) ms$/.exec(line)?.[1])).toBeLessThan(5000);
  });
});

describe("retries keep to their own statuses", () => {
  it("a Retry-After on a 503 is not a rate limit: the GET is sent twice in all, not three times", async () => {
    answers = [{ status: 503, headers: { "retry-after": "0" } }];
    await failure(client().request({ method: "GET", path: "/jobs" }));
    expect(seen).toHaveLength(2);
  });

  it("a Retry-After on a success changes nothing", async () => {
    answers = [json(200, { ok: true }, { "retry-after": "0" })];
    await client().request({ method: "GET", path: "/jobs" });
    expect(seen).toHaveLength(1);
  });
});

describe("the key's burst counts the last minute only", () => {
  afterEach(() => void vi.useRealTimers());

  it("requests older than a minute no longer count", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const c = client(fixed(key));
    answers = [json(200, {})];
    for (let i = 0; i < 30; i++) await c.request({ method: "GET", path: "/jobs" });
    vi.setSystemTime(Date.now() + 60_001);
    for (let i = 0; i < 19; i++) await c.request({ method: "GET", path: "/jobs" });
    answers = [text(401, "Unauthorized")];
    // 30 old ones forgotten: the 20th recent request is far below the threshold.
    expect((await failure(c.request({ method: "GET", path: "/jobs" }))).message).toMatch(/^Cronicorn rejected CRONICORN_API_KEY \(401\)/);
  });

  it("a request exactly a minute old still counts", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const c = client(fixed(key));
    answers = [json(200, {})];
    await c.request({ method: "GET", path: "/jobs" });
    vi.setSystemTime(Date.now() + 60_000);
    for (let i = 0; i < 48; i++) await c.request({ method: "GET", path: "/jobs" });
    answers = [text(401, "Unauthorized")];
    expect((await failure(c.request({ method: "GET", path: "/jobs" }))).message).toMatch(/^Cronicorn answered 401 to CRONICORN_API_KEY after 50 requests/);
  });
});

describe("odd error bodies", () => {
  it("a text/plain body of only whitespace is no reason", async () => {
    answers = [text(400, "  \n ")];
    expect((await failure(client().request({ method: "POST", path: "/jobs", body: {} }))).message).toBe(
      "Cronicorn rejected the request (400) without saying why. Check the arguments and try again.",
    );
  });

  it("an error of null next to top-level issues: the issues are read", async () => {
    answers = [json(400, { error: null, issues: [{ path: ["name"], message: "Required" }] })];
    expect((await failure(client().request({ method: "POST", path: "/jobs", body: {} }))).message).toBe(
      "Cronicorn rejected the request: name: Required. Fix the named field(s) and try again.",
    );
  });

  it("an issue whose path is not a list, or whose message is not text, is read as far as it makes sense", async () => {
    answers = [
      json(422, {
        error: {
          name: "ZodError",
          issues: [
            { path: "name", message: "Too long" },
            { path: ["cron"], message: 5 },
          ],
        },
      }),
    ];
    expect((await failure(client().request({ method: "POST", path: "/jobs", body: {} }))).message).toBe(
      "Cronicorn rejected the request: Too long; cron: invalid. Fix the named field(s) and try again.",
    );
  });

  it("names a nested field of an unexpected success body by its dotted path", async () => {
    answers = [json(200, { job: { name: 5 } })];
    const error = await failure(client().request({ method: "GET", path: "/jobs/j1", response: z.object({ job: z.object({ name: z.string() }) }) }));
    expect(error.message).toMatch(/^Cronicorn returned an unexpected response for GET \/jobs\/j1 \(job\.name: /);
  });
});

describe("TLS", () => {
  it("an untrusted certificate names NODE_EXTRA_CA_CERTS", async () => {
    const ca = makePrivateCa();
    const front = await startHttpsFront(ca, base.replace(/\/api$/, ""));
    try {
      const url = `${front.origin}/api`;
      const error = await failure(client(fixed(bearer), url).request({ method: "GET", path: "/jobs" }));
      expect(error).toBeInstanceOf(NetworkError);
      expect(error.message).toMatch(
        new RegExp(
          `^Cronicorn at ${url.replace(/[.]/g, "\\.")} was not trusted: its TLS certificate is not trusted here \\([A-Z_]+\\)\\. If your network or server uses a private certificate authority, set NODE_EXTRA_CA_CERTS`,
        ),
      );
      expect(seen).toHaveLength(0);
    } finally {
      await front.close();
      fs.rmSync(ca.dir, { recursive: true, force: true });
    }
  });
});
