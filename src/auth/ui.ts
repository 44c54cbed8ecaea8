/** How sign-in reaches the user through the MCP client, implemented by the server (src/server.ts). */
export interface SignInUi {
  /** True when the client declared URL-mode elicitation. */
  supportsUrlElicitation(): boolean;
  /** Ask the client to show `url` (URL-mode elicitation). Resolves when the client answered, whatever the answer. */
  elicitUrl(elicitationId: string, url: string, message: string): Promise<void>;
  /** Tell the client the URL-mode elicitation is finished (`notifications/elicitation/complete`). */
  completeElicitation(elicitationId: string): Promise<void>;
  /** A message the user should see now (an MCP logging notification; stderr too). */
  notify(message: string): void;
}
