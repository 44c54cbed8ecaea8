/**
 * The session the demo plays, one step at a time: what the assistant calls, what comes back, and a
 * check for every claim the transcript makes. A check that fails throws a StepFailure.
 */
import type { CallToolResult } from "@modelcontextprotocol/client";
import { TOOLS as ALL_TOOLS } from "../../src/tools/registry.js";
import { textOf, valueOf } from "../helpers/mcp.js";
import { eventually, storedRecord } from "../helpers/signin.js";
import type { DemoSession } from "./session.js";
import { LOGIN_WAIT_S } from "./session.js";
import { wrap } from "./transcript.js";
import type { Transcript } from "./transcript.js";

interface Job {
  id: string;
  name: string;
  status: string;
  endpointCount?: number;
}
interface Endpoint {
  id: string;
  jobId?: string | null;
  name: string;
  description?: string | null;
  baselineCron?: string | null;
  baselineIntervalMs?: number | null;
  minIntervalMs?: number | null;
  maxIntervalMs?: number | null;
  nextRunAt: string | null;
}
interface Status {
  signedIn: boolean;
  apiUrl: string;
  source: string;
  store: string;
  flow?: string;
  user?: { email?: string; name?: string };
  expiresAt?: string;
}

/** Shared between steps: what earlier steps created. */
export interface State {
  jobId: string;
  cronEndpointId: string;
  intervalEndpointId: string;
  /** Read from credentials.json just before logout, to prove it is revoked; never printed. */
  token: string;
}

/** The tool's own one-line summary (its text is "summary\n\nJSON"). */
const summaryOf = (result: CallToolResult) => textOf(result).split("\n\n")[0] ?? "";

/** Calls a tool and prints the call and its summary; a tool error fails the step. */
async function ask(s: DemoSession, out: Transcript, tool: string, args?: Record<string, unknown>): Promise<CallToolResult> {
  out.call(tool, args);
  const result = await s.call(tool, args);
  out.result(summaryOf(result));
  out.check(!result.isError, `${tool} succeeded`, textOf(result));
  return result;
}

const origin = (s: DemoSession) => new URL(s.stand.apiUrl).origin;
const bearerStatus = async (s: DemoSession, token: string) => (await fetch(`${s.stand.apiUrl}/jobs`, { headers: { authorization: `Bearer ${token}` } })).status;

async function listTools(s: DemoSession, out: Transcript): Promise<void> {
  out.heading("The assistant connects and lists the tools");
  out.call("tools/list");
  const { tools } = await s.client.listTools();
  const groupOf = new Map(ALL_TOOLS.map((t) => [t.name, t.group]));
  const groups = new Map<string, string[]>();
  for (const tool of tools) {
    const group = groupOf.get(tool.name) ?? "unknown";
    groups.set(group, [...(groups.get(group) ?? []), tool.name]);
  }
  out.result(`${tools.length} tools in ${groups.size} groups:`);
  for (const [group, names] of groups) out.print(wrap(names.join(", "), `${" ".repeat(7)}${group.padEnd(12)}`));
  out.check(
    tools.length === ALL_TOOLS.length && !groups.has("unknown"),
    `all ${ALL_TOOLS.length} tools the server defines are listed`,
    `listed: ${tools.map((t) => t.name).join(", ")}`,
  );
  const needed = ["create_job", "add_endpoint", "list_jobs", "list_endpoints", "auth_status", "logout"];
  out.check(
    needed.every((n) => tools.some((t) => t.name === n)),
    `the tools this session uses are there (${needed.join(", ")})`,
  );
}

async function createJobWithSignIn(s: DemoSession, out: Transcript, state: State): Promise<void> {
  out.heading('"Create a job for my backups" — no credential yet, so the server asks the user to sign in');
  out.check(storedRecord(s.home, origin(s)) === undefined, "nothing is stored in credentials.json yet");
  const args = { name: "Nightly backups", description: "Backup health checks, created by the cronicorn-mcp demo" };
  out.call("create_job", args);
  const started = Date.now();
  const progress: string[] = [];
  let settled = false;
  const waiting = s.call("create_job", args, (message) => progress.push(message)).finally(() => (settled = true));
  waiting.catch(() => undefined); // awaited below; this only stops an early rejection from going unhandled

  const link = await eventually(() => s.elicitations.find((e) => e.mode === "url"), 15_000, "the sign-in link (a URL elicitation)");
  const url = link.mode === "url" ? link.url : "";
  const code = new URL(url).searchParams.get("user_code") ?? "";
  out.note(`The server answered with an input_required round: a URL elicitation the client shows the user: "${link.message}"`);
  out.check(url && code, "the round carries the approval page with the code", JSON.stringify(link));
  out.signInBox(url, code);
  out.check(
    url.startsWith(`${s.stand.webUrl}/device/approve`) && link.message.includes(code),
    "the URL is Cronicorn's device-approval page for this code, and the message names the code",
    url,
  );
  out.check(!/ask again/.test(link.message), "the message says the request goes on by itself (not 'ask again')", link.message);
  await eventually(() => s.stand.requests.some((r) => r.path === "/api/auth/device/token") || undefined, 15_000, "the first poll");
  out.check(!settled, `the client accepted; the retried create_job call is open, waiting for approval (the server waits up to ${LOGIN_WAIT_S} s)`);

  out.action(`The demo now approves code ${code} as ${s.stand.user.email}, exactly what the user would do on that page in a browser (stand-in approveDevice).`);
  await s.stand.approveDevice(code as string);

  const result = await waiting;
  out.result(summaryOf(result));
  if (progress[0]) out.note(`Progress notifications while the call waited: "${progress[0].split(": ")[0]}: …"`);
  const job = valueOf<Job>(result, "job");
  state.jobId = job.id;
  out.check(
    job.name === args.name && job.id,
    `the SAME create_job call completed after approval (${((Date.now() - started) / 1000).toFixed(1)} s) and returned job ${job.id}`,
    textOf(result),
  );
  const record = storedRecord(s.home, origin(s));
  out.check(record?.flow === "device", `the new sign-in is saved in ${s.credentialsFile.replace(s.home, "$HOME")} (device flow)`);
  const codes = s.stand.requests.filter((r) => r.path === "/api/auth/device/code").length;
  const creates = s.stand.requests.filter((r) => r.method === "POST" && r.path === "/api/jobs" && r.status < 300).length;
  out.check(
    codes === 1 && creates === 1,
    "one device code was requested and the job was created exactly once",
    `${codes} device code(s), ${creates} job(s) created`,
  );
}

async function addCronEndpoint(s: DemoSession, out: Transcript, state: State): Promise<void> {
  out.heading('"Check the backup server\'s health every 5 minutes" — an endpoint on a cron schedule');
  const args = { jobId: state.jobId, name: "Backup server health", url: "https://backups.example.com/health", method: "GET", baselineCron: "*/5 * * * *" };
  const endpoint = valueOf<Endpoint>(await ask(s, out, "add_endpoint", args), "endpoint");
  state.cronEndpointId = endpoint.id;
  out.check(
    endpoint.baselineCron === "*/5 * * * *" && !endpoint.baselineIntervalMs,
    `endpoint ${endpoint.id} runs on cron "*/5 * * * *"`,
    JSON.stringify(endpoint),
  );
  out.check(endpoint.nextRunAt && Date.parse(endpoint.nextRunAt) > Date.now(), `its next run is scheduled (${endpoint.nextRunAt})`);
}

const INTERVAL = {
  baselineIntervalMs: 60_000,
  minIntervalMs: 15_000,
  maxIntervalMs: 600_000,
  description: "Poll every 15 s while more than 100 backups are queued; back off towards 10 minutes when the queue is empty.",
};

async function addIntervalEndpoint(s: DemoSession, out: Transcript, state: State): Promise<void> {
  out.heading('"Watch the backup queue every minute, faster when it is busy" — an endpoint on an interval');
  const args = { jobId: state.jobId, name: "Backup queue depth", url: "https://backups.example.com/queue", method: "GET", ...INTERVAL };
  const endpoint = valueOf<Endpoint>(await ask(s, out, "add_endpoint", args), "endpoint");
  state.intervalEndpointId = endpoint.id;
  const same =
    endpoint.baselineIntervalMs === INTERVAL.baselineIntervalMs &&
    endpoint.minIntervalMs === INTERVAL.minIntervalMs &&
    endpoint.maxIntervalMs === INTERVAL.maxIntervalMs;
  out.check(same && !endpoint.baselineCron, `endpoint ${endpoint.id} runs every 60 s, limited to 15 s … 10 min`, JSON.stringify(endpoint));
  out.check(endpoint.description === INTERVAL.description, "the planner description was saved");
}

async function listJobs(s: DemoSession, out: Transcript, state: State): Promise<void> {
  out.heading('"What jobs do I have?"');
  const jobs = valueOf<Job[]>(await ask(s, out, "list_jobs"), "jobs");
  const job = jobs.find((j) => j.id === state.jobId);
  out.check(job, `job ${state.jobId} from step 2 is listed`, JSON.stringify(jobs));
  out.check(job?.status === "active" && job.endpointCount === 2, "it is active with 2 endpoints", JSON.stringify(job));
}

async function listEndpoints(s: DemoSession, out: Transcript, state: State): Promise<void> {
  out.heading('"Show me that job\'s endpoints"');
  const endpoints = valueOf<Endpoint[]>(await ask(s, out, "list_endpoints", { jobId: state.jobId }), "endpoints");
  const cron = endpoints.find((e) => e.id === state.cronEndpointId);
  const interval = endpoints.find((e) => e.id === state.intervalEndpointId);
  out.check(endpoints.length === 2 && cron && interval, "both endpoints are listed, and only those", JSON.stringify(endpoints));
  out.check(cron?.baselineCron === "*/5 * * * *" && !cron.baselineIntervalMs, `${cron?.id} still has cron "*/5 * * * *" and no interval`, JSON.stringify(cron));
  const limits = interval?.baselineIntervalMs === 60_000 && interval.minIntervalMs === 15_000 && interval.maxIntervalMs === 600_000 && !interval.baselineCron;
  out.check(limits, `${interval?.id} still has interval 60000 ms with min 15000 / max 600000 and no cron`, JSON.stringify(interval));
}

async function authStatus(s: DemoSession, out: Transcript): Promise<void> {
  out.heading('"Who am I signed in as?"');
  const status = valueOf<Status>(await ask(s, out, "auth_status"), "status");
  out.note(
    `structuredContent.status: signedIn ${status.signedIn} · user ${status.user?.email ?? "?"} · store ${status.store} · expiresAt ${status.expiresAt ?? "?"}`,
  );
  out.check(status.signedIn && status.user?.email === s.stand.user.email, `signed in as the stand-in's user ${s.stand.user.email}`, JSON.stringify(status));
  out.check(
    status.apiUrl === s.stand.apiUrl && status.source === "file" && status.store.includes("credentials.json"),
    `to ${s.stand.apiUrl}, with the credential in the file store`,
    JSON.stringify(status),
  );
  const expires = Date.parse(status.expiresAt ?? "");
  out.check(status.flow === "device" && expires > Date.now(), "via the device flow, with an expiry in the future", JSON.stringify(status));
}

async function archiveWithConfirmation(s: DemoSession, out: Transcript, state: State): Promise<void> {
  out.heading('"Stop checking the queue" — a destructive tool, so the server asks the user first');
  const args = { jobId: state.jobId, endpointId: state.intervalEndpointId };
  const before = s.elicitations.length;
  s.answer = (params) => (params.mode === "form" ? { action: "decline" } : { action: "accept" });
  out.call("archive_endpoint", args);
  const declined = await s.call("archive_endpoint", args);
  const question = s.elicitations[before];
  out.note(`The client asked the user (form elicitation): "${question?.message ?? "?"}" — the demo answers no.`);
  out.result(summaryOf(declined));
  const archives = () => s.stand.requests.filter((r) => r.method === "POST" && r.path.endsWith("/archive")).length;
  out.check(
    question?.mode === "form" && archives() === 0 && !declined.isError,
    "declined: nothing was sent to Cronicorn, and the answer says so",
    textOf(declined),
  );
  s.answer = (params) => (params.mode === "url" ? { action: "accept" } : { action: "accept", content: { confirm: true } });
  out.call("archive_endpoint", args);
  const archived = await s.call("archive_endpoint", args);
  out.note("The user confirms this time.");
  out.result(summaryOf(archived));
  const endpoint = valueOf<Endpoint & { archivedAt?: string | null }>(archived, "endpoint");
  out.check(endpoint.archivedAt && archives() === 1, `confirmed: endpoint ${endpoint.id} is archived, with one request to Cronicorn`, JSON.stringify(endpoint));
}

async function logout(s: DemoSession, out: Transcript, state: State): Promise<void> {
  out.heading('"Sign me out"');
  state.token = String(storedRecord(s.home, origin(s))?.access_token ?? "");
  out.check(
    state.token && (await bearerStatus(s, state.token)) === 200,
    "before: the saved token (read from credentials.json, not shown) is accepted by Cronicorn",
  );
  const result = valueOf<{ revokedOnServer: boolean | string; deletedLocal: string[] }>(await ask(s, out, "logout"), "logout");
  out.check(result.revokedOnServer === true, "the server reports the session revoked on Cronicorn", JSON.stringify(result));
  out.check(
    result.deletedLocal.length === 1 && storedRecord(s.home, origin(s)) === undefined,
    "the record is gone from credentials.json",
    JSON.stringify(result),
  );
  const after = await bearerStatus(s, state.token);
  out.check(after === 401, "after: Cronicorn answers 401 to the old token", `got ${after}`);
}

async function finalStatus(s: DemoSession, out: Transcript): Promise<void> {
  out.heading('"Am I still signed in?"');
  const status = valueOf<Status>(await ask(s, out, "auth_status"), "status");
  out.check(!status.signedIn && status.source === "none", "signed out: no credential left", JSON.stringify(status));
}

export const newState = (): State => ({ jobId: "", cronEndpointId: "", intervalEndpointId: "", token: "" });

/** Plays the session into `state`; throws at the first claim that does not hold. */
export async function playSession(s: DemoSession, out: Transcript, state: State): Promise<void> {
  await listTools(s, out);
  await createJobWithSignIn(s, out, state);
  await addCronEndpoint(s, out, state);
  await addIntervalEndpoint(s, out, state);
  await listJobs(s, out, state);
  await listEndpoints(s, out, state);
  await authStatus(s, out);
  await archiveWithConfirmation(s, out, state);
  await logout(s, out, state);
  await finalStatus(s, out);
}
