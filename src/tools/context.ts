/**
 * What a tool may use. Tools see the API client and a sign-in gate, never tokens: deciding which
 * credential to send, and signing in, belong to src/auth.
 */
import type { CronicornClient } from "../api/client.js";
import type { ToolGroup } from "../config/config.js";
import type { AccountService, SignInGate } from "../auth/types.js";

export interface ToolContext {
  api: CronicornClient;
  account: AccountService;
}

export interface Runtime extends ToolContext {
  gate: SignInGate;
}

export type { ToolGroup };
