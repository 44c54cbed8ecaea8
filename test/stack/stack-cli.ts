/**
 * `npm run stack`: runs the Cronicorn stand-in in the foreground so a person can point a real MCP
 * client at it. Port from `--port N` / `--port=N` or PORT, default 3333 like self-hosted Cronicorn
 * (`http://localhost:3333/api`); 0 picks a free one, and so does a taken default (a port asked for
 * by name is not swapped silently). Approve device logins in the browser at {web}/device/approve.
 * Stops on Ctrl-C.
 */
import { startCronicornStandIn } from "./cronicorn.js";
import type { StandIn } from "./cronicorn.js";

const DEFAULT_PORT = 3333;

const HOW_TO_CHOOSE = "give --port N (0-65535), or PORT=N; 0 picks a free port";

function portFrom(argv: readonly string[], env: NodeJS.ProcessEnv): { port: number; asked: boolean } {
  const flagIndex = argv.findIndex((arg) => arg === "--port" || arg.startsWith("--port="));
  const flag = flagIndex === -1 ? undefined : (argv[flagIndex]?.split("=")[1] ?? argv[flagIndex + 1]);
  const text = flag ?? env.PORT;
  if (text === undefined || text === "") return { port: DEFAULT_PORT, asked: false };
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`invalid port "${text}": ${HOW_TO_CHOOSE}`);
  return { port, asked: true };
}

const inUse = (error: unknown): boolean => (error as { code?: unknown } | null)?.code === "EADDRINUSE";

// Benchmarks drive hundreds of calls a minute through one key: the CLI lifts Cronicorn's per-key limit
// (about 100 a minute) unless STANDIN_KEY_LIMIT asks for one.
function keyLimit(env: NodeJS.ProcessEnv): { maxRequests: number; timeWindowMs: number } {
  const limit = Number(env.STANDIN_KEY_LIMIT ?? 1_000_000);
  return { maxRequests: Number.isInteger(limit) && limit > 0 ? limit : 1_000_000, timeWindowMs: 60_000 };
}

async function start(): Promise<StandIn> {
  const { port, asked } = portFrom(process.argv.slice(2), process.env);
  const apiKeyRateLimit = keyLimit(process.env);
  try {
    return await startCronicornStandIn({ port, apiKeyRateLimit });
  } catch (error) {
    if (!inUse(error)) throw error;
    if (asked) throw new Error(`port ${port} is already in use: ${HOW_TO_CHOOSE}`);
    const stand = await startCronicornStandIn({ port: 0, apiKeyRateLimit });
    console.log(`Port ${DEFAULT_PORT} is already in use, so the stand-in took the free port ${new URL(stand.apiUrl).port} (choose one with --port N).\n`);
    return stand;
  }
}

async function main(): Promise<void> {
  const stand = await start();
  console.log(`Cronicorn stand-in running (better-auth 1.4.4, data in memory, gone on exit)

  API URL    ${stand.apiUrl}
  Web URL    ${stand.webUrl}
  Approve    ${stand.webUrl}/device/approve?user_code=…   (acts as the test user)

  Test user  ${stand.user.email}
  Password   ${stand.user.password}
  API key    ${stand.apiKey}

Use it from a shell or an MCP client config:

  CRONICORN_API_URL=${stand.apiUrl} CRONICORN_WEB_URL=${stand.webUrl}

  (add CRONICORN_API_KEY=${stand.apiKey} to skip the device login)

Ctrl-C to stop.`);

  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    void stand.close().then(() => process.exit(0));
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

main().catch((error: unknown) => {
  console.error(`stack: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
