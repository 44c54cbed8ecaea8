/**
 * Connecting as a real SDK v2 client does: `Client.connect()` over its stdio transport, which spawns the
 * server, from the call to the moment it resolves, against the floor of spawning `node -e 0` to its exit,
 * interleaved. In `auto` mode the client first probes with `server/discover` in a short-lived sibling
 * process (its answer decides the era), reaps that sibling, then spawns the server it keeps: two starts.
 * The default mode (2025 `initialize` handshake, one start) and the pinned 2026-07-28 mode are shown
 * beside it.
 */
import { Client } from "@modelcontextprotocol/client";
import type { ClientOptions } from "@modelcontextprotocol/client";
import { StdioClientTransport } from "@modelcontextprotocol/client/stdio";
import { floorOnce } from "./cold-start.js";
import { median, shuffled, since } from "./stats.js";

type Negotiation = NonNullable<ClientOptions["versionNegotiation"]>["mode"];
export const MODES = { auto: "auto", legacy: "legacy", pinned: { pin: "2026-07-28" } } as const satisfies Record<string, Negotiation>;
export type Mode = keyof typeof MODES;

async function connectOnce(entry: string, env: Record<string, string>, mode: Mode): Promise<{ ms: number; era: string }> {
  const client = new Client({ name: "bench", version: "1" }, { versionNegotiation: { mode: MODES[mode] } });
  const transport = new StdioClientTransport({ command: process.execPath, args: [entry], env, stderr: "ignore" });
  const start = process.hrtime.bigint();
  await client.connect(transport);
  const ms = since(start);
  const era = client.getProtocolEra() ?? "unknown";
  await client.close();
  return { ms, era };
}

export interface Connect {
  runs: number;
  floorMs: number;
  modes: Record<Mode, { ms: number; eras: string[] }>;
}

export async function measureConnect(entry: string, env: Record<string, string>, runs: number): Promise<Connect> {
  const modes = Object.keys(MODES) as Mode[];
  const floor: number[] = [];
  const samples = Object.fromEntries(modes.map((mode) => [mode, { ms: [] as number[], eras: new Set<string>() }])) as Record<
    Mode,
    { ms: number[]; eras: Set<string> }
  >;
  await floorOnce(env);
  for (const mode of modes) await connectOnce(entry, env, mode);
  for (let round = 0; round < runs; round++) {
    // In a new order each round, the floor among them.
    for (const mode of shuffled([...modes, "floor" as const])) {
      if (mode === "floor") floor.push(await floorOnce(env));
      else {
        const { ms, era } = await connectOnce(entry, env, mode);
        samples[mode].ms.push(ms);
        samples[mode].eras.add(era);
      }
    }
  }
  return {
    runs,
    floorMs: median(floor),
    modes: Object.fromEntries(modes.map((mode) => [mode, { ms: median(samples[mode].ms), eras: [...samples[mode].eras] }])) as Connect["modes"],
  };
}
