/**
 * `npm run demo`: a real MCP session, printed as a numbered transcript. The built server runs over
 * stdio against a local Cronicorn stand-in; the demo plays the assistant (tool calls) and, when the
 * server asks for a sign-in, the user (approving the device code). Every claim is checked: exit 0
 * only when all of them held, 1 otherwise. Always cleans up; never runs longer than TIMEOUT_MS.
 */
import fs from "node:fs";
import path from "node:path";
import { assertNoSecrets } from "../helpers/mcp.js";
import { LOGIN_WAIT_S, SERVER_ENTRY, startDemoSession } from "./session.js";
import type { DemoSession } from "./session.js";
import { newState, playSession } from "./steps.js";
import type { State } from "./steps.js";
import { StepFailure, Transcript, dim } from "./transcript.js";

const TIMEOUT_MS = 120_000;

function describeSetup(out: Transcript, s: DemoSession): void {
  out.fact("Cronicorn", `${s.stand.apiUrl}  ${dim(`(local stand-in: better-auth 1.4.4 device flow; user ${s.stand.user.email})`)}`);
  out.fact(
    "MCP server",
    `node ${path.relative(process.cwd(), SERVER_ENTRY)}  ${dim("(the built server over stdio; the client speaks revision 2026-07-28, with URL and form elicitation)")}`,
  );
  out.fact("HOME", `${s.home}  ${dim("(private, deleted at the end)")}`);
  out.fact("Credentials", `$HOME/.cronicorn/credentials.json  ${dim(`(CRONICORN_TOKEN_STORE=file, no browser, login wait ${LOGIN_WAIT_S} s)`)}`);
  out.print();
  out.print(dim("  → tool call   ← its answer   · other server messages   ⚑ the user acts   ✓ checked"));
}

/** Tokens are secrets: neither the transcript nor anything the server sent may contain one. */
function checkNoTokenShown(out: Transcript, s: DemoSession, state: State): void {
  const seen = [out.text, s.stderr(), JSON.stringify(s.elicitations)].join("\n");
  try {
    assertNoSecrets(seen, [state.token], "the demo's output or the server's stderr/notifications");
  } catch (error) {
    throw new StepFailure("no token in the transcript, the server's stderr or its notifications", error instanceof Error ? error.message : String(error));
  }
  out.print();
  out.check(state.token, "No token appeared in this transcript, the server's stderr or its notifications (the access token was checked for).");
}

/** The server's last words, for a failed run (with the token blanked out, should it be there). */
function printServerStderr(out: Transcript, s: DemoSession, state: State): void {
  const lines = s.stderr().trim().split("\n").filter(Boolean).slice(-15);
  if (lines.length === 0) return;
  out.print(dim("  Last lines the server wrote to stderr:"));
  for (const line of lines) out.print(dim(`    ${state.token ? line.replaceAll(state.token, "<token>") : line}`));
}

/** Rejects after TIMEOUT_MS or on Ctrl-C, whichever comes first. */
function deadline(): { promise: Promise<never>; clear(): void } {
  let timer: NodeJS.Timeout | undefined;
  let onInterrupt: (() => void) | undefined;
  const promise = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the demo did not finish within ${TIMEOUT_MS / 1000} s`)), TIMEOUT_MS);
    onInterrupt = () => reject(new Error("interrupted (Ctrl-C)"));
    process.once("SIGINT", onInterrupt);
  });
  return {
    promise,
    clear() {
      clearTimeout(timer);
      if (onInterrupt) process.off("SIGINT", onInterrupt);
    },
  };
}

async function main(): Promise<number> {
  const out = new Transcript();
  const started = Date.now();
  const state = newState();
  const limit = deadline();
  const starting = startDemoSession();
  let session: DemoSession | undefined;

  out.title("cronicorn-mcp demo — an assistant's session with the MCP server, against a local Cronicorn");
  let code = 0;
  try {
    await Promise.race([
      (async () => {
        session = await starting;
        describeSetup(out, session);
        await playSession(session, out, state);
        checkNoTokenShown(out, session, state);
      })(),
      limit.promise,
    ]);
    out.passed(`Every step did what it says (${((Date.now() - started) / 1000).toFixed(1)} s).`);
  } catch (error) {
    out.failed(error);
    if (session) printServerStderr(out, session, state);
    code = 1;
  }
  limit.clear();
  // A session still starting when the deadline hit is closed as soon as it exists (close() is bounded).
  const toClose =
    session ?? (await Promise.race([starting.catch(() => undefined), new Promise<undefined>((r) => setTimeout(() => r(undefined), 10_000).unref())]));
  await toClose?.close();
  if (toClose && fs.existsSync(toClose.home)) {
    out.print(`  Cleanup incomplete: ${toClose.home} is still there.`);
    return 1;
  }
  out.print(dim("  Cleaned up: server stopped, stand-in closed, temp HOME deleted."));
  return code;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
