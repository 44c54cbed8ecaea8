/**
 * Every tool this server offers, in `tools/list` order: the one list the server registers, the build's
 * start-up answers, the contract tests, the tools-list tests and the README's tool table derive from.
 * Adding a tool: define it in the file of its API area (or a new one), and add that file's list here.
 */
import { accountTools } from "./account.js";
import { authTools } from "./auth.js";
import type { ToolDefinition } from "./define.js";
import { endpointTools } from "./endpoints.js";
import { jobTools } from "./jobs.js";
import { runTools } from "./runs.js";
import { schedulingTools } from "./scheduling.js";

export const TOOLS: readonly ToolDefinition[] = [...jobTools, ...endpointTools, ...schedulingTools, ...runTools, ...accountTools, ...authTools];
