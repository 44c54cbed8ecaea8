/**
 * One small definition per tool (name, title, model-facing description, typed input, output schema,
 * annotations, run, summary) and the single place that turns a run into an MCP result: structured
 * content plus short text on success, `isError` with an actionable message on failure, and a
 * sign-in prompt (not an error) when the user has to approve a sign-in first.
 */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { RequestHandlerExtra } from "@modelcontextprotocol/sdk/shared/protocol.js";
import type { CallToolResult, ServerNotification, ServerRequest, Tool, ToolAnnotations } from "@modelcontextprotocol/sdk/types.js";
import * as z from "zod";

import { redactDeep } from "../core/log.js";
import type { Runtime, ToolContext, ToolGroup } from "./context.js";
import { toolListing } from "./listing.js";
import { AuthRequiredError } from "../auth/errors.js";
import type { CallContext, SignInPrompt } from "../auth/types.js";

export interface ToolSpec<In extends z.ZodObject, Out extends z.ZodType> {
  name: string;
  title: string;
  description: string;
  group: ToolGroup | "auth";
  input: In;
  /** structuredContent is `{ [key]: value }`; while a sign-in is pending it is `{ signIn }` instead. */
  output: { key: string; schema: Out };
  annotations: Required<Pick<ToolAnnotations, "readOnlyHint" | "destructiveHint" | "idempotentHint" | "openWorldHint">>;
  /** false for tools that must run without a credential (login, status, logout). */
  needsAuth?: boolean;
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

export interface ToolDefinition {
  name: string;
  group: ToolGroup | "auth";
  readOnly: boolean;
  register(server: McpServer, runtime: () => Promise<Runtime>): void;
  /** What `tools/list` shows for this tool (also what the build writes into the start-up answers). */
  listing(): Tool;
}

export const SignInPromptSchema = z.object({
  verificationUrl: z.string().describe("Open this URL to approve the sign-in."),
  userCode: z.string().optional().describe("Code to confirm on that page (device flow)."),
  flow: z.enum(["device", "pkce"]),
  expiresAt: z.string().describe("ISO time when this sign-in attempt expires."),
});

export function defineTool<In extends z.ZodObject, Out extends z.ZodType>(spec: ToolSpec<In, Out>): ToolDefinition {
  const outputSchema = z.object({
    [spec.output.key]: spec.output.schema.optional(),
    signIn: SignInPromptSchema.optional().describe("Present instead of the result when the user must first approve a sign-in."),
  });
  return {
    name: spec.name,
    group: spec.group,
    readOnly: spec.annotations.readOnlyHint,
    listing: () => toolListing({ ...spec, output: outputSchema }),
    register(server, runtime) {
      // Widened to the base type so the SDK's callback type resolves outside this generic function.
      const inputSchema: z.ZodObject = spec.input;
      server.registerTool(
        spec.name,
        { title: spec.title, description: spec.description, inputSchema, outputSchema, annotations: { title: spec.title, ...spec.annotations } },
        // The SDK has already parsed `args` with `spec.input` by the time this runs.
        async (args: unknown, extra: Extra) => {
          // One redaction pass over the whole result (text and structuredContent, every string, deep):
          // whatever a server echoes back, no registered secret or its encodings leaves the process.
          return redactDeep(await handle(spec, args as z.infer<In>, runtime, callContext(extra)));
        },
      );
    },
  };
}

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

async function handle<In extends z.ZodObject, Out extends z.ZodType>(
  spec: ToolSpec<In, Out>,
  args: z.infer<In>,
  runtime: () => Promise<Runtime>,
  call: CallContext,
): Promise<CallToolResult> {
  try {
    return await runWithSignIn(spec, args, await runtime(), call);
  } catch (error) {
    if (error instanceof SignInPendingError) return pendingResult(error.prompt, error.message);
    return errorResult(error);
  }
}

function callContext(extra: Extra): CallContext {
  const token = extra._meta?.progressToken;
  return {
    signal: extra.signal,
    async progress(progress, total, message) {
      if (token === undefined) return;
      await extra.sendNotification({ method: "notifications/progress", params: { progressToken: token, progress, total, message } }).catch(() => undefined);
    },
  };
}

async function runWithSignIn<In extends z.ZodObject, Out extends z.ZodType>(
  spec: ToolSpec<In, Out>,
  args: z.infer<In>,
  rt: Runtime,
  call: CallContext,
): Promise<CallToolResult> {
  try {
    return success(spec, args, await spec.run(args, rt, call));
  } catch (error) {
    if (!(error instanceof AuthRequiredError) || !error.signInHelps || spec.needsAuth === false) throw error;
    const outcome = await rt.gate.awaitSignIn(call);
    if (outcome.state === "pending") return pendingResult(outcome.prompt, outcome.message);
    // Signed in while we waited: do the call the user asked for.
    return success(spec, args, await spec.run(args, rt, call));
  }
}

function success<In extends z.ZodObject, Out extends z.ZodType>(spec: ToolSpec<In, Out>, args: z.infer<In>, value: z.infer<Out>): CallToolResult {
  // Compact JSON after the summary, for clients that show only text content (it is also what crosses stdio).
  const text = `${spec.summary(value, args)}\n\n${JSON.stringify(value)}`;
  return { content: [{ type: "text", text }], structuredContent: { [spec.output.key]: value } };
}

export function pendingResult(prompt: SignInPrompt, message: string): CallToolResult {
  return { content: [{ type: "text", text: message }], structuredContent: { signIn: { ...prompt } } };
}

export function errorResult(error: unknown): CallToolResult {
  const message = error instanceof Error ? error.message : String(error);
  return { content: [{ type: "text", text: message }], isError: true };
}
