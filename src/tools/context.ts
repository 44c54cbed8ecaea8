/**
 * What a tool may use. Tools see the API client and a sign-in gate, never tokens: deciding which
 * credential to send, and signing in, belong to src/auth.
 */
import type { CronicornClient, RequestSpec } from "../api/client.js";
import type { ToolGroup } from "../config/config.js";
import type { AccountService, SignInGate } from "../auth/types.js";

/** The API client as a tool sees it: one request at a time, "safe to repeat" taken from the tool's hints. */
export interface ApiRequester {
  request<T = void>(spec: RequestSpec<T>): Promise<T>;
}

export interface ToolContext {
  api: ApiRequester;
  account: AccountService;
}

export interface Runtime {
  api: CronicornClient;
  account: AccountService;
  gate: SignInGate;
}

export type { ToolGroup };
