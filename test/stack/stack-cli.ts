/**
 * `npm run stack`: runs the Cronicorn stand-in in the foreground so a person can point a real MCP
 * client at it. Port from `--port N` / `--port=N` or PORT, default 3333 like self-hosted Cronicorn
 * (`http://localhost:3333/api`); 0 picks a free one. Approve device logins in the browser at
 * {web}/device/approve. Stops on Ctrl-C.
 */
import { startCronicornStandIn } from "./cronicorn.js";

const DEFAULT_PORT = 3333;

function portFrom(argv: readonly string[], env: NodeJS.ProcessEnv): number {
  const flagIndex = argv.findIndex((arg) => arg === "--port" || arg.startsWith("--port="));
  const flag = flagIndex === -1 ? undefined : (argv[flagIndex]?.split("=")[1] ?? argv[flagIndex + 1]);
  const text = flag ?? env.PORT;
  if (text === undefined || text === "") return DEFAULT_PORT;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new Error(`invalid port "${text}": give --port N (0-65535), or PORT=N; 0 picks a free port`);
  }
  return port;
}

async function main(): Promise<void> {
  // Benchmarks drive hundreds of calls a minute through one key: the CLI lifts Cronicorn's per-key limit
  // (about 100 a minute) unless STANDIN_KEY_LIMIT asks for one.
  const keyLimit = Number(process.env.STANDIN_KEY_LIMIT ?? 1_000_000);
  const stand = await startCronicornStandIn({
    port: portFrom(process.argv.slice(2), process.env),
    apiKeyRateLimit: { maxRequests: Number.isInteger(keyLimit) && keyLimit > 0 ? keyLimit : 1_000_000, timeWindowMs: 60_000 },
  });
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
