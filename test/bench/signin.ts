/**
 * Time from the user's approval to the result of the tool call that was waiting for it (device flow
 * against the stand-in's better-auth). Each run uses a fresh server and a fresh home.
 */
import { startCronicornStandIn } from "../stack/cronicorn.js";
import { startServer } from "../helpers/mcp.js";
import { collectLogs, noticedUserCode } from "../helpers/signin.js";
import { median, since } from "./stats.js";

export async function measureApprovalToResult(runs: number, interval = "1s") {
  const stand = await startCronicornStandIn({ deviceInterval: interval });
  const samples: number[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      const server = await startServer({
        env: {
          CRONICORN_API_URL: stand.apiUrl,
          CRONICORN_WEB_URL: stand.webUrl,
          CRONICORN_ISSUER: stand.webUrl,
          CRONICORN_LOGIN_WAIT_S: "60",
          CRONICORN_LOG_LEVEL: "warn",
        },
        // The call waits for approval only when the user can see the link: here, an accepted URL elicitation.
        capabilities: { elicitation: { url: {} } },
      });
      try {
        const logs = collectLogs(server);
        const waiting = server.call("list_jobs");
        const code = await noticedUserCode(logs);
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
