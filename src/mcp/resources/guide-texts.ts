/** Our own short guides to Cronicorn, served as MCP resources so the model can read them on demand. */

export const CONCEPTS_GUIDE = `# Cronicorn concepts

**Job** — a named group of related endpoints ("Checkout monitoring"). Pausing or archiving a job affects
all of its endpoints. Archiving is a soft delete.

**Endpoint** — one HTTP request that Cronicorn sends on a schedule: url, method (GET by default),
optional headersJson (string→string) and bodyJson (any JSON), timeoutMs, maxExecutionTimeMs (≤ 30 min)
and maxResponseSizeKb.

**Baseline schedule** — every endpoint has exactly one:
- baselineCron: a 5-field cron expression, minute hour day-of-month month day-of-week
  ("*/5 * * * *" = every 5 minutes, "0 9 * * 1-5" = 09:00 on weekdays), or
- baselineIntervalMs: a fixed interval in milliseconds (300000 = 5 minutes).

**Adaptive scheduling** — Cronicorn's AI planner looks at recent runs and may run an endpoint more or
less often than its baseline. It reads the endpoint's description for guidance and never goes outside
minIntervalMs..maxIntervalMs, which are the safety limits you set.

**Hints** — temporary overrides with a time to live (ttlMinutes):
- interval hint: run every intervalMs for a while (e.g. faster during an incident);
- one-shot: run once at nextRunAt or in nextRunInMs.
When a hint expires, the baseline applies again; clear_hints ends all hints now.

**Pause** — pause_endpoint stops one endpoint until pausedUntil; resume_endpoint resumes it now.

**Runs and health** — each execution is a run (success or failed, duration, status code, response
body). get_endpoint_health summarises recent runs, including the current failure streak;
reset_failures sets the failure count back to 0 after a fix.

**Safety** — prefer archive to delete: delete_endpoint erases run history for good. Rotating the
signing key breaks targets that still verify the old one. Confirm destructive steps with the user.`;

export const DESCRIPTIONS_GUIDE = `# Writing good endpoint descriptions

The description is the only instruction the AI planner gets about an endpoint, so write it for a
careful colleague who will adjust the schedule while you sleep.

Say:
1. **What the endpoint is for** — "Health check of the public checkout API."
2. **What normal looks like** — "Normally answers 200 within 300 ms."
3. **When to run more often, and how often at most** — "After a failure, check every minute until
   three successes in a row."
4. **When to slow down** — "Nights and weekends, every 30 minutes is enough."
5. **What not to do** — "Never more than once a minute: the target rate-limits at 100 requests/hour."

Keep the hard limits in minIntervalMs/maxIntervalMs as well: the description guides the planner,
the limits bind it.

Example:
> Polls the export queue. Normally every 10 minutes. While the response's "pending" is above 100,
> poll every minute so the backlog is noticed quickly; once it is below 10, go back to the baseline.
> Do not poll more than once a minute.`;
