/**
 * One small definition per tool (name, title, model-facing description, typed input, output schema,
 * annotations, run, summary) and the single place that turns a run into an MCP result, for both
 * protocol eras: structured content plus short text on success; `isError` with an actionable message
 * for an expected failure; "internal error" (the stack to stderr, nothing to the client) for a bug;
 * a confirmation round before a destructive tool; and a sign-in, when the user must approve one first.
 */
import { createHmac } from "node:crypto";
import type { CallToolResult, InputRequiredResult, McpServer, ServerContext, Tool } from "@modelcontextprotocol/server";
import { acceptedContent, inputRequired, inputResponse } from "@modelcontextprotocol/server";
import * as z from "zod";
import type { RequestSpec } from "../api/client.js";
import { AuthRequiredError } from "../auth/errors.js";
import type { CallContext, LinkChannel, SignInPrompt } from "../auth/types.js";
import { ExpectedError } from "../core/errors.js";
import { redact, redactDeep, type Logger } from "../core/log.js";
import type { Hints } from "./annotations.js";
import type { Runtime, ToolContext, ToolGroup } from "./context.js";
import { toolListing } from "./listing.js";

export interface ToolSpec<In extends z.ZodObject, Out extends z.ZodType> {
  name: string;
  title: string;
  description: string;
  group: ToolGroup | "auth";
  input: In;
  /** structuredContent is `{ [key]: value }`; while a sign-in is pending it is `{ signIn }` instead. */
  output: { key: string; schema: Out };
  annotations: Hints;
  /** false for tools that must run without a credential (login, status, logout). */
  needsAuth?: boolean;
  /**
   * The question a destructive tool asks before anything is sent (form elicitation), e.g.
   * "Archive job job_1?". Asked once per call when the client declares form elicitation and
   * CRONICORN_CONFIRM is not "never".
   */
  confirm?(args: z.infer<In>): string;
  run(args: z.infer<In>, ctx: ToolContext, call: CallContext): Promise<z.infer<Out>>;
  summary(result: z.infer<Out>, args: z.infer<In>): string;
}

/** Thrown by a run that must stop until the user approves a sign-in: becomes a (non-error) sign-in prompt. */
export class SignInPendingError extends Error {
  override readonly name = "SignInPendingError";
  constructor(
    readonly prompt: SignInPrompt,
    message: string,
  ) {
    super(message);
  }
}

/** Which protocol era a call arrived on, what its client can show, and the rounds' memory. */
export interface CallRound {
  era: "legacy" | "modern";
  /** The client asks the user a yes/no form (form elicitation, or a bare `elicitation: {}`). */
  canConfirm: boolean;
  /** The client opens a URL for the user (URL-mode elicitation). */
  canOpenUrl: boolean;
  /** Answers of the previous round (`inputResponses`), untrusted. */
  responses: Record<string, unknown> | undefined;
  /** The state an earlier round minted, already verified (signature and expiry) by the SDK. */
  state: RoundState | undefined;
  /** 2025-era clients: push the sign-in link as a URL elicitation (src/auth/signin.ts decides when). */
  push?: LinkChannel;
}

/** What an earlier round proved: which call it belongs to, and that the user confirmed. Nothing secret. */
export interface RoundState {
  /** The tool and a keyed digest of its arguments: state minted for another call is refused. */
  call: string;
  confirmed?: true;
}

/** Mints the state a later round of the same call reads back (signed, short-lived: src/mcp/server.ts). */
export type MintState = (state: RoundState) => Promise<string>;

export interface ToolHost {
  runtime(): Promise<Runtime>;
  logger: Logger;
  /** CRONICORN_CONFIRM: whether destructive tools ask first. */
  confirm: "destructive" | "never";
  mint: MintState;
  /** Keyed digest of a call's name and arguments (per-process key), bound into its state. */
  digest(name: string, args: unknown): string;
  /** Reads how the call arrived; the server knows the era and the client's capabilities. */
  round(ctx: ServerContext): CallRound;
  /** A bug's stack with bundle positions mapped to source positions (src/mcp/stack.ts). */
  mapStack(stack: string): string;
  /** Runs one call's handler, so what it logs can reach that call's client (2026-era log levels). */
  inCall?<T>(ctx: ServerContext, run: () => Promise<T>): Promise<T>;
}

export interface ToolDefinition {
  name: string;
  group: ToolGroup | "auth";
  readOnly: boolean;
  register(server: McpServer, host: ToolHost): void;
  /** One tools/call, as the SDK hands it over after validating `args` (tests drive it directly). */
  invoke(args: unknown, ctx: ServerContext, host: ToolHost): Promise<CallToolResult | InputRequiredResult>;
  /** What `tools/list` shows for this tool (also what the build writes into the start-up answers). */
  listing(): Tool;
}

export const SignInPromptSchema = z.object({
  verificationUrl: z.string().describe("Open this URL to approve the sign-in."),
  userCode: z.string().optional().describe("Code to confirm on that page (device flow)."),
  flow: z.enum(["device", "pkce"]),
  expiresAt: z.string().describe("ISO time when this sign-in attempt expires."),
});

/** The form a destructive tool asks for: one yes/no question, no secrets (MCP forbids asking forms for them). */
const ConfirmForm = z.object({ confirm: z.boolean().meta({ title: "Go ahead" }) });
const NotConfirmedSchema = z
  .object({ answer: z.enum(["decline", "cancel", "no"]) })
  .describe("Present when the user did not confirm: nothing was sent to Cronicorn.");

export function defineTool<In extends z.ZodObject, Out extends z.ZodType>(spec: ToolSpec<In, Out>): ToolDefinition {
  const outputSchema = z.object({
    [spec.output.key]: spec.output.schema.optional(),
    signIn: SignInPromptSchema.optional().describe("Present instead of the result when the user must first approve a sign-in."),
    ...(spec.confirm ? { notConfirmed: NotConfirmedSchema.optional() } : {}),
  });
  const invoke = async (args: unknown, ctx: ServerContext, host: ToolHost) => {
    // One redaction pass over the whole result (text and structuredContent, every string, deep):
    // whatever a server echoes back, no registered secret or its encodings leaves the process.
    const result = redactDeep(await handle(spec, args as z.infer<In>, ctx, host));
    // Redaction that failed hands back a fixed placeholder instead of the value: answer that, never the value.
    return typeof result === "object" && result !== null ? result : errorResult(String(result));
  };
  return {
    name: spec.name,
    group: spec.group,
    readOnly: spec.annotations.readOnlyHint,
    listing: () => toolListing({ ...spec, output: outputSchema }),
    invoke,
    register(server, host) {
      // Widened to the base type so the SDK's callback type resolves outside this generic function.
      const inputSchema: z.ZodObject = spec.input;
      server.registerTool(
        spec.name,
        { title: spec.title, description: spec.description, inputSchema, outputSchema, annotations: { title: spec.title, ...spec.annotations } },
        // The SDK has already parsed `args` with `spec.input` by the time this runs.
        (args: unknown, ctx: ServerContext) => (host.inCall ? host.inCall(ctx, () => invoke(args, ctx, host)) : invoke(args, ctx, host)),
      );
    },
  };
}

async function handle<In extends z.ZodObject, Out extends z.ZodType>(
  spec: ToolSpec<In, Out>,
  args: z.infer<In>,
  ctx: ServerContext,
  host: ToolHost,
): Promise<CallToolResult | InputRequiredResult> {
  try {
    const round = host.round(ctx);
    // The digest (an HMAC: a tenth of a plain call's own work) binds request state to this call, so it is
    // computed only when state came back or is minted. A tool reads its arguments and never changes them.
    let digest: string | undefined;
    const call = () => (digest ??= host.digest(spec.name, args));
    if (round.state && round.state.call !== call()) return foreignState(spec.name);
    let confirmed = round.state?.confirmed === true;
    if (spec.confirm && host.confirm === "destructive" && round.canConfirm && !confirmed) {
      const asked = askToConfirm(spec.confirm(args), round, () => host.mint({ call: call() }));
      if (asked.kind === "ask") return await asked.result;
      if (asked.kind === "refused") return notConfirmed(spec, args, asked.answer);
      confirmed = true;
    }
    const rt = await host.runtime();
    const callCtx = callContext(ctx, round);
    const tool: ToolContext = { api: requesterFor(spec, rt), account: rt.account };
    const mintSignIn = () => host.mint({ call: call(), ...(confirmed ? { confirmed: true } : {}) });
    try {
      return success(spec, args, await spec.run(args, tool, callCtx));
    } catch (error) {
      // The sign-in tools answer "pending" themselves: a client that opens URLs gets the link as a round instead.
      if (error instanceof SignInPendingError && offersUrlRound(round)) return await urlRound(rt, mintSignIn);
      if (!(error instanceof AuthRequiredError) || !error.signInHelps || spec.needsAuth === false) throw error;
      if (offersUrlRound(round)) return await urlRound(rt, mintSignIn);
      const outcome = await rt.gate.awaitSignIn(callCtx);
      if (outcome.state === "pending") return pendingResult(outcome.prompt, outcome.message);
      // Signed in while we waited: do the call the user asked for.
      return success(spec, args, await spec.run(args, tool, callCtx));
    }
  } catch (error) {
    if (error instanceof SignInPendingError) return pendingResult(error.prompt, error.message);
    if (error instanceof ExpectedError) return errorResult(error.message);
    return bugResult(spec.name, error, host);
  }
}

type Asked = { kind: "ask"; result: Promise<InputRequiredResult> } | { kind: "refused"; answer: "decline" | "cancel" | "no" } | { kind: "confirmed" };

/** Write-once: the answer of the previous round decides; without one, ask (and remember nothing yet: nothing is proven). */
function askToConfirm(question: string, round: CallRound, mint: () => Promise<string>): Asked {
  const answer = inputResponse(round.responses, "confirm");
  if (answer.kind === "elicit") {
    if (answer.action !== "accept") return { kind: "refused", answer: answer.action === "decline" ? "decline" : "cancel" };
    return acceptedContent(round.responses, "confirm", ConfirmForm)?.confirm === true ? { kind: "confirmed" } : { kind: "refused", answer: "no" };
  }
  const result = mint().then((requestState) =>
    inputRequired({ inputRequests: { confirm: inputRequired.elicit({ message: question, requestedSchema: ConfirmForm }) }, requestState }),
  );
  return { kind: "ask", result };
}

/**
 * A 2026-era client that opens URLs, asked nothing yet: the link goes to it as an input_required round.
 * Its retry continues the call here (the answer says whether the user opened the link) and waits for
 * the approval. Any other client gets the sign-in gate's behaviour for its era (src/auth/signin.ts).
 */
function offersUrlRound(round: CallRound): boolean {
  return round.era === "modern" && round.canOpenUrl && inputResponse(round.responses, "signin").kind !== "elicit";
}

async function urlRound(rt: Runtime, mint: () => Promise<string>): Promise<InputRequiredResult> {
  const pending = await rt.gate.begin();
  return inputRequired({
    inputRequests: { signin: inputRequired.elicitUrl({ message: pending.message, url: pending.prompt.verificationUrl }) },
    requestState: await mint(),
  });
}

/** How this call's client shows a sign-in link: pushed to a 2025-era client, or (2026) the answer to its URL round. */
function linkOf(round: CallRound): LinkChannel {
  if (round.era === "legacy") return round.push ?? {};
  const answer = inputResponse(round.responses, "signin");
  return answer.kind === "elicit" ? { shown: answer.action === "accept" } : {};
}

/** The API client as a tool sees it: "safe to send again" comes from the tool's idempotentHint, declared once. */
function requesterFor(spec: { annotations: Hints }, rt: Runtime): ToolContext["api"] {
  return { request: <T>(request: RequestSpec<T>) => rt.api.request({ idempotent: spec.annotations.idempotentHint, ...request }) };
}

function callContext(ctx: ServerContext, round: CallRound): CallContext {
  const token = ctx.mcpReq._meta?.progressToken;
  return {
    signal: ctx.mcpReq.signal,
    link: linkOf(round),
    async progress(progress, total, message) {
      if (token === undefined) return;
      await ctx.mcpReq.notify({ method: "notifications/progress", params: { progressToken: token, progress, total, message } }).catch(() => undefined);
    },
  };
}

function success<In extends z.ZodObject, Out extends z.ZodType>(spec: ToolSpec<In, Out>, args: z.infer<In>, value: z.infer<Out>): CallToolResult {
  // Compact JSON after the summary, for clients that show only text content (it is also what crosses stdio).
  const text = `${spec.summary(value, args)}\n\n${JSON.stringify(value)}`;
  return { content: [{ type: "text", text }], structuredContent: { [spec.output.key]: value } };
}

function notConfirmed<In extends z.ZodObject, Out extends z.ZodType>(
  spec: ToolSpec<In, Out>,
  args: z.infer<In>,
  answer: "decline" | "cancel" | "no",
): CallToolResult {
  const why = answer === "cancel" ? "The confirmation was cancelled" : "You did not confirm";
  const text = `${why}: nothing was sent to Cronicorn, and ${spec.name} did not run ("${spec.confirm?.(args) ?? spec.title}").`;
  return { content: [{ type: "text", text }], structuredContent: { notConfirmed: { answer } } };
}

export function pendingResult(prompt: SignInPrompt, message: string): CallToolResult {
  return { content: [{ type: "text", text: message }], structuredContent: { signIn: { ...prompt } } };
}

export function errorResult(message: string): CallToolResult {
  return { content: [{ type: "text", text: message }], isError: true };
}

function foreignState(tool: string): CallToolResult {
  return errorResult(
    `This retry of ${tool} carries request state from another call (other arguments or another tool), so nothing was done. Call ${tool} again without it.`,
  );
}

/** A bug in this server: logged once with its stack (mapped to src/, redacted) where an engineer looks; the client learns only that. */
function bugResult(tool: string, error: unknown, host: ToolHost): CallToolResult {
  const detail = error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error);
  host.logger.error(`internal error in ${tool} (a bug in cronicorn-mcp; please report it with this line): ${redact(host.mapStack(detail))}`);
  return errorResult(`internal error in ${tool} — details on the server's stderr. This is a bug in cronicorn-mcp, not in your request.`);
}

/** Keyed digest of a call (HMAC-SHA-256 of the tool name and canonical arguments), base64url, 22 characters. */
export function callDigest(key: Uint8Array, name: string, args: unknown): string {
  return createHmac("sha256", key).update(name).update("\0").update(canonicalJson(args)).digest("base64url").slice(0, 22);
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}
