/**
 * The prompts and guides the server offers, in process and in both eras: which exist in which mode,
 * and the words the model receives for given arguments (reviewed here, like the tools' snapshots).
 */
import { afterEach, describe, expect, it } from "vitest";
import { CONCEPTS_GUIDE, DESCRIPTIONS_GUIDE } from "../../../src/mcp/resources/guide-texts.js";
import { ERAS } from "../../helpers/mcp.js";
import { serveTools, type Served } from "../../helpers/tools-harness.js";

const opened: Served[] = [];
afterEach(async () => {
  for (const served of opened.splice(0)) await served.close();
});
async function serve(era: (typeof ERAS)[number], env: Record<string, string> = {}): Promise<Served> {
  const served = await serveTools({ era, env });
  opened.push(served);
  return served;
}

const textOfPrompt = (result: { messages: Array<{ role: string; content: { type: string; text?: string } }> }) => {
  expect(result.messages).toHaveLength(1);
  expect(result.messages[0]?.role).toBe("user");
  return result.messages[0]?.content.text;
};

describe.each(ERAS)("prompts, %s era", (era) => {
  it("offers the health-check set-up and the investigation, with their arguments", async () => {
    const { client } = await serve(era);
    const { prompts } = await client.listPrompts();
    expect(prompts.map((p) => [p.name, p.title, p.arguments?.map((a) => [a.name, a.required ?? false])])).toEqual([
      [
        "setup_health_check",
        "Set up a health check",
        [
          ["url", true],
          ["every", false],
        ],
      ],
      ["investigate_failing_endpoint", "Investigate a failing endpoint", [["endpoint", true]]],
    ]);
  });

  it("hides the set-up prompt in read-only mode: it leads to tools that are not there", async () => {
    const { client } = await serve(era, { CRONICORN_READ_ONLY: "1" });
    expect((await client.listPrompts()).prompts.map((p) => p.name)).toEqual(["investigate_failing_endpoint"]);
  });

  it("leads the model through a health check set-up, every 5 minutes unless told otherwise", async () => {
    const { client } = await serve(era);
    const steps =
      "1. Use list_jobs to see whether a suitable job exists; otherwise create_job with a clear name.\n" +
      "2. add_endpoint with method GET, the schedule as baselineCron or baselineIntervalMs (not both), minIntervalMs of 60000 and a maxIntervalMs of about four times the baseline, " +
      "and a description for the planner (see the resource cronicorn://guide/endpoint-descriptions): what normal looks like and to check more often after failures.\n" +
      "3. test_endpoint once and tell me the result, the endpoint id and the next run time.";
    const plain = await client.getPrompt({ name: "setup_health_check", arguments: { url: "https://example.com/health" } });
    expect(textOfPrompt(plain)).toBe(`Set up a Cronicorn health check for https://example.com/health, every 5 minutes.\n${steps}`);
    const hourly = await client.getPrompt({ name: "setup_health_check", arguments: { url: "https://example.com/health", every: "hourly" } });
    expect(textOfPrompt(hourly)).toBe(`Set up a Cronicorn health check for https://example.com/health, hourly.\n${steps}`);
  });

  it("leads the model through an investigation, changing nothing before the user agrees", async () => {
    const { client } = await serve(era);
    const result = await client.getPrompt({ name: "investigate_failing_endpoint", arguments: { endpoint: "Checkout health" } });
    expect(textOfPrompt(result)).toBe(
      'Investigate why the Cronicorn endpoint "Checkout health" is failing.\n' +
        "1. If that is not an id, find it with list_jobs and list_endpoints.\n" +
        "2. get_endpoint_health (sinceHours 24), then list_runs with status failed and limit 10.\n" +
        "3. get_run on the latest failures: compare status codes, error messages, durations and response bodies.\n" +
        "4. Summarise the likely cause and propose a fix. Only change anything (update_endpoint, reset_failures, hints, pause) after I agree.",
    );
  });
});

describe.each(ERAS)("guides, %s era", (era) => {
  it("lists the two guides as markdown, next to the status resource", async () => {
    const { client } = await serve(era);
    const { resources } = await client.listResources();
    expect(resources.map((r) => [r.uri, r.name, r.title, r.mimeType])).toEqual([
      ["cronicorn://guide/concepts", "concepts", "Cronicorn concepts", "text/markdown"],
      ["cronicorn://guide/endpoint-descriptions", "endpoint-descriptions", "Writing endpoint descriptions", "text/markdown"],
      ["cronicorn://auth/status", "auth-status", "Cronicorn sign-in status", "application/json"],
    ]);
    expect(resources.every((r) => (r.description ?? "").length > 20)).toBe(true);
  });

  it("reads each guide as its markdown text", async () => {
    const { client } = await serve(era);
    for (const [uri, text] of [
      ["cronicorn://guide/concepts", CONCEPTS_GUIDE],
      ["cronicorn://guide/endpoint-descriptions", DESCRIPTIONS_GUIDE],
    ] as const) {
      expect((await client.readResource({ uri })).contents).toEqual([{ uri, mimeType: "text/markdown", text }]);
    }
  });
});
