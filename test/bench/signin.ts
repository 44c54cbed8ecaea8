/**
 * Time from the user's approval to the result of the tool call that was waiting for it (device flow
 * against the stand-in's better-auth), in the given era: the client opens URLs (URL elicitation, pushed
 * to a 2025 client, an input_required round for a 2026 one), so the call waits for the approval. Each
 * run uses a fresh server and a fresh home.
 */
import type { ElicitRequest } from "@modelcontextprotocol/client";
import { startCronicornStandIn } from "../stack/cronicorn.js";
import { startServer } from "../helpers/mcp.js";
import type { Era } from "../helpers/mcp.js";
import { eventually } from "../helpers/signin.js";
import { median, since } from "./stats.js";

export async function measureApprovalToResult(era: Era, runs: number, interval = "1s") {
  const stand = await startCronicornStandIn({ deviceInterval: interval });
  const samples: number[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      const shown: Array<ElicitRequest["params"]> = [];
      const server = await startServer({
        era,
        env: {
          CRONICORN_API_URL: stand.apiUrl,
          CRONICORN_WEB_URL: stand.webUrl,
          CRONICORN_ISSUER: stand.webUrl,
          CRONICORN_LOGIN_WAIT_S: "60",
          CRONICORN_LOG_LEVEL: "warn",
        },
        capabilities: { elicitation: { url: {} } },
        onElicit: (params) => void shown.push(params),
      });
      try {
        const waiting = server.call("list_jobs");
        const code = await eventually(() => {
          const link = shown.find((p) => p.mode === "url");
          return link?.mode === "url" ? (new URL(link.url).searchParams.get("user_code") ?? undefined) : undefined;
        });
        const approved = process.hrtime.bigint();
        await stand.approveDevice(code);
        const result = await waiting;
        if (result.isError || !(result.structuredContent as { jobs?: unknown } | undefined)?.jobs)
          throw new Error(`the waiting call failed: ${JSON.stringify(result.content)}`);
        samples.push(since(approved));
      } finally {
        await server.close();
      }
    }
  } finally {
    await stand.close();
  }
  return { medianMs: median(samples), samples, interval };
}
