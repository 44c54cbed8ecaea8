/** Prompts that lead the model to the right tools for two common tasks. */
import type { McpServer } from "@modelcontextprotocol/server";
import * as z from "zod";

export function registerPrompts(server: McpServer, options: { readOnly: boolean }): void {
  if (!options.readOnly) {
    server.registerPrompt(
      "setup_health_check",
      {
        title: "Set up a health check",
        description: "Create a job and an endpoint that checks a URL on a schedule, with sensible limits and a planner description.",
        argsSchema: z.object({
          url: z.string().describe("The URL to check."),
          every: z.string().optional().describe('How often, in words or cron (default "every 5 minutes").'),
        }),
      },
      ({ url, every }) => ({
        messages: [
          {
            role: "user",
            content: {
              type: "text",
              text:
                `Set up a Cronicorn health check for ${url}, ${every ?? "every 5 minutes"}.\n` +
                "1. Use list_jobs to see whether a suitable job exists; otherwise create_job with a clear name.\n" +
                "2. add_endpoint with method GET, the schedule as baselineCron or baselineIntervalMs (not both), minIntervalMs of 60000 and a maxIntervalMs of about four times the baseline, " +
                "and a description for the planner (see the resource cronicorn://guide/endpoint-descriptions): what normal looks like and to check more often after failures.\n" +
                "3. test_endpoint once and tell me the result, the endpoint id and the next run time.",
            },
          },
        ],
      }),
    );
  }
  server.registerPrompt(
    "investigate_failing_endpoint",
    {
      title: "Investigate a failing endpoint",
      description: "Find out why an endpoint fails, using its health, recent runs and run details, and suggest a fix.",
      argsSchema: z.object({ endpoint: z.string().describe("The endpoint's id or name (a job name helps to find it).") }),
    },
    ({ endpoint }) => ({
      messages: [
        {
          role: "user",
          content: {
            type: "text",
            text:
              `Investigate why the Cronicorn endpoint "${endpoint}" is failing.\n` +
              "1. If that is not an id, find it with list_jobs and list_endpoints.\n" +
              "2. get_endpoint_health (sinceHours 24), then list_runs with status failed and limit 10.\n" +
              "3. get_run on the latest failures: compare status codes, error messages, durations and response bodies.\n" +
              "4. Summarise the likely cause and propose a fix. Only change anything (update_endpoint, reset_failures, hints, pause) after I agree.",
          },
        },
      ],
    }),
  );
}
