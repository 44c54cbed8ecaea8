/** How sign-in reaches the user through the MCP client, implemented by the server (src/mcp/server.ts). */
export type ElicitationAnswer = "accept" | "decline" | "cancel";

export interface SignInUi {
  /** True when the client declared URL-mode elicitation. */
  supportsUrlElicitation(): boolean;
  /** Ask the client to show `url` (URL-mode elicitation). Resolves with the user's answer; rejects when the request failed. */
  elicitUrl(elicitationId: string, url: string, message: string): Promise<ElicitationAnswer>;
  /** Tell the client the URL-mode elicitation is finished (`notifications/elicitation/complete`). */
  completeElicitation(elicitationId: string): Promise<void>;
  /** A message the user should see now (an MCP logging notification; stderr too). */
  notify(message: string): void;
  /**
   * True when `notify` is certain to reach the user (a terminal prints it). MCP clients may hide
   * logging notifications, so there the link counts as seen only through a browser or an accepted elicitation.
   */
  readonly noticesReachUser?: boolean;
  /** The sign-in state changed: a sign-in started, completed, failed or was cancelled. */
  stateChanged?(): void;
}
