/**
 * What a multi-round call can and cannot be made to do, through the real server and a 2026-07-28 client
 * that drives the rounds by hand: the state of a confirmation round confirms only its own call, and an
 * answer that is not a clear "yes" is a no. Also the keyed call digest those states carry, and what a bug
 * without a stack leaves in the log.
 */
import { randomBytes } from "node:crypto";
import type { CallToolResult } from "@modelcontextprotocol/client";
import { afterEach, describe, expect, it } from "vitest";
import type { Runtime } from "../../../src/tools/context.js";
import { callDigest } from "../../../src/tools/define.js";
import { aJob, serveTools, textOf, type Served } from "../../helpers/tools-harness.js";

const opened: Served[] = [];
afterEach(async () => {
  for (const served of opened.splice(0)) await served.close();
});

async function confirming(): Promise<Served> {
  const served = await serveTools({ era: "modern", capabilities: { elicitation: { form: {} } }, script: () => ({ body: aJob({ status: "archived" }) }) });
  opened.push(served);
  return served;
}

/** One tools/call as the client sends it, the input_required answer handed back as it is. */
async function round(served: Served, args: Record<string, unknown>, retry?: { requestState: string; inputResponses: Record<string, unknown> }) {
  return (await served.client.request(
    { method: "tools/call", params: { name: "archive_job", arguments: args, ...(retry ?? {}) } },
    { allowInputRequired: true },
  )) as CallToolResult & { resultType?: string; requestState?: string };
}

describe("a confirmation round", () => {
  it("asks first, and the user's yes on the retry of the same call archives", async () => {
    const served = await confirming();
    const first = await round(served, { jobId: "j1" });
    expect(first.resultType).toBe("input_required");
    expect(served.fake.requests).toEqual([]);
    const yes = await round(
      served,
      { jobId: "j1" },
      { requestState: first.requestState as string, inputResponses: { confirm: { action: "accept", content: { confirm: true } } } },
    );
    expect(textOf(yes)).toMatch(/^Archived job "Nightly backups" \(id j1\)\./);
    expect(served.fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual(["DELETE /jobs/j1"]);
  });

  it("confirms nothing for another call: its state carried to other arguments is refused, and nothing is sent", async () => {
    const served = await confirming();
    const first = await round(served, { jobId: "j1" });
    const other = await round(
      served,
      { jobId: "j2" },
      { requestState: first.requestState as string, inputResponses: { confirm: { action: "accept", content: { confirm: true } } } },
    );
    expect(other.isError).toBe(true);
    expect(textOf(other)).toContain("This retry of archive_job carries request state from another call");
    expect(served.fake.requests).toEqual([]);
  });

  it.each([
    ["an accept without content", { action: "accept" }],
    ["an accept whose content is not a yes/no", { action: "accept", content: { confirm: "yes" } }],
  ])("takes %s as a no, and sends nothing", async (_name, answer) => {
    const served = await confirming();
    const first = await round(served, { jobId: "j1" });
    const result = await round(served, { jobId: "j1" }, { requestState: first.requestState as string, inputResponses: { confirm: answer } });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toEqual({ notConfirmed: { answer: "no" } });
    expect(served.fake.requests).toEqual([]);
  });
});

describe("callDigest", () => {
  const key = randomBytes(32);
  const digest = (name: string, args: unknown) => callDigest(key, name, args);

  it("keeps the tool name apart from the arguments", () => {
    expect(digest("t1", 2)).not.toBe(digest("t", 12));
  });

  it("tells arrays by their order and elements, and from objects with the same entries", () => {
    expect(digest("t", { a: [1, 2] })).not.toBe(digest("t", { a: [2, 1] }));
    expect(digest("t", { a: [1, 23] })).not.toBe(digest("t", { a: [12, 3] }));
    expect(digest("t", { a: [1, 2] })).not.toBe(digest("t", { a: { 0: 1, 1: 2 } }));
  });

  it("is the same for any order of many keys, and reads a missing array element as JSON does (null)", () => {
    const orders = [
      { c: 3, a: 1, d: 4, b: 2 },
      { a: 1, b: 2, c: 3, d: 4 },
      { d: 4, c: 3, b: 2, a: 1 },
      { b: 2, d: 4, a: 1, c: 3 },
    ];
    expect(new Set(orders.map((args) => digest("t", args))).size).toBe(1);
    expect(digest("t", { a: [undefined] })).toBe(digest("t", { a: [null] }));
  });
});

describe("a bug without a stack", () => {
  it.each([
    ["an error whose stack is gone", () => Object.assign(new RangeError("index out of range"), { stack: undefined }), "RangeError: index out of range"],
    ["a thrown string", () => "a bare string", "a bare string"],
  ])("is logged by name and message: %s", async (_name, thrown, logged) => {
    const served = await serveTools({
      loadRuntime: async () =>
        ({
          api: {
            request: () => {
              throw thrown();
            },
          },
          account: {},
          gate: {},
        }) as unknown as Runtime,
    });
    opened.push(served);
    expect(textOf(await served.call("list_jobs"))).toBe(
      "internal error in list_jobs — details on the server's stderr. This is a bug in cronicorn-mcp, not in your request.",
    );
    expect(served.logs).toContain(`error: internal error in list_jobs (a bug in cronicorn-mcp; please report it with this line): ${logged}`);
  });
});
