/** How the sign-in coordinator reaches the user outside a tool call's result (implemented by the server, or a terminal). */
export interface SignInUi {
  /** A message the user should see now (stderr, and an MCP logging notification where the client takes them). */
  notify(message: string): void;
  /**
   * True when `notify` is certain to reach the user (a terminal prints it). MCP clients may hide
   * logging notifications, so there the link counts as seen only through a browser or the client's own UI.
   */
  readonly noticesReachUser?: boolean;
  /** The sign-in state changed: a sign-in started, completed, failed or was cancelled. */
  stateChanged?(): void;
}
