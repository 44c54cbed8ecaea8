/**
 * `npm run bench`: every performance figure, both protocol eras side by side in one run, each against
 * its floor measured in the same run (interleaved), printed as it comes and then as one table for the
 * README. Nothing here is asserted; a target is printed beside its figure with whether this run met it.
 */
import os from "node:os";
import path from "node:path";
import { measureColdStart } from "./cold-start.js";
import { measureConnect } from "./connect.js";
import { measureFootprint } from "./footprint.js";
import type { Footprint } from "./footprint.js";
import { measureListJobs } from "./list-jobs.js";
import { measurePackage } from "./package.js";
import { measurePackSize } from "./pack-size.js";
import { measureRefreshCost, measureRefreshStorm } from "./refresh.js";
import { measureApprovalToResult } from "./signin.js";
import { measureRss } from "./rss.js";
import { startStandInProcess } from "./standin-process.js";
import { ms, ratio } from "./stats.js";
import { ERAS } from "../helpers/mcp.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const ENTRY = path.join(ROOT, "bin/cronicorn-mcp.js");
const COLD_RUNS = 40;
const CONNECT_RUNS = 25;
const LIST_CALLS = 300;

interface Row {
  figure: string;
  measured: string;
  target: string;
}

const rows: Row[] = [];
/** Prints a figure at once and keeps it for the closing table; `target` says what it is held to and whether this run met it. */
function print(figure: string, measured: string, target?: { text: string; met: boolean }): void {
  const targetText = target ? `${target.text} (${target.met ? "met" : "NOT MET"})` : "—";
  rows.push({ figure, measured, target: targetText });
  console.log(`${figure.padEnd(78)} ${measured}${target ? `   [target ${targetText}]` : ""}`);
}
const atMost = (value: number, limit: number, text: string) => ({ text, met: value <= limit });
const vsFloor = (value: number, floor: number) => `${ms(value)} = ${ratio(value / floor)} the floor`;
const kb = (bytes: number) => `${(bytes / 1000).toFixed(1)} kB`;
const sized = (s: { bytes: number; tokens: number }) => `${kb(s.bytes)} (${s.bytes} B), ${s.tokens} tokens`;
const p50p99 = (s: { p50: number; p99: number }) => `${ms(s.p50)} / ${ms(s.p99)}`;

/** The machine's load, printed with the figures it may have shifted (2 cores: a load above 2 means waiting for a core). */
const load = () => `load average ${os.loadavg()[0]?.toFixed(1)} on ${os.cpus().length} cores`;

async function startUp(env: Record<string, string>): Promise<void> {
  console.log(`start-up, ${load()}`);
  const cold = await measureColdStart(ENTRY, env, COLD_RUNS);
  const f = cold.floorMs;
  const n = `median of ${cold.runs}, interleaved`;
  print(`start: node -e 0, spawn → exit (THE FLOOR; ${n})`, ms(f));
  print("start: bare JSON-RPC script (inline, parses a line, answers {}), spawn → first answer", vsFloor(cold.echo.firstMs, f));
  print("start: the same script, → its answer to a 2nd request sent after the 1st (legacy shape)", vsFloor(cold.echo.secondMs, f));
  print("start: the same script as an ES module file, → first answer (Node's module loader)", vsFloor(cold.echoModuleMs, f));
  print("start: the same script as CommonJS files laid out as ours (bin → dist), → first answer", vsFloor(cold.echoFile.firstMs, f));
  print("start: the same files, → answer to a 2nd request (legacy shape)", vsFloor(cold.echoFile.secondMs, f));
  print("start: the same files with blocking reads and writes (no stdio streams), → first answer", vsFloor(cold.echoBlocking.firstMs, f));
  print("start: the same blocking files, → answer to a 2nd request (legacy shape)", vsFloor(cold.echoBlocking.secondMs, f));
  print("start (modern): spawn → `server/discover` result", vsFloor(cold.discoverMs, f), atMost(cold.discoverMs / f, 1.1, "≤ 1.1×"));
  print(
    "start (modern): spawn → `tools/list` result, sent as the first line",
    vsFloor(cold.modern.toolsListMs, f),
    atMost(cold.modern.toolsListMs / f, 1.1, "≤ 1.1×"),
  );
  print("start (legacy): spawn → `initialize` result", vsFloor(cold.legacy.initializeMs, f));
  print(
    "start (legacy): spawn → `tools/list` result, after `initialize`",
    vsFloor(cold.legacy.toolsListMs, f),
    atMost(cold.legacy.toolsListMs / f, 1.1, "≤ 1.1×"),
  );
  print("start (modern, --read-only): spawn → `tools/list` (configuration read first)", vsFloor(cold.readOnlyToolsListMs, f));
  print("start (modern): spawn → first `tools/call` result (loads the SDK and the tools)", vsFloor(cold.modern.firstCallMs, f));
  print("start (legacy): spawn → first `tools/call` result", vsFloor(cold.legacy.firstCallMs, f));

  console.log(`connect, ${load()}`);
  const connect = await measureConnect(ENTRY, env, CONNECT_RUNS);
  const c = connect.floorMs;
  const eras = (mode: keyof typeof connect.modes) => `lands on ${connect.modes[mode].eras.join(" and ")}`;
  print(`connect: node -e 0, spawn → exit (the floor of these rounds; median of ${connect.runs})`, ms(c));
  print(
    `connect: SDK v2 client, \`auto\`: connect() resolved (probe sibling + server; ${eras("auto")})`,
    vsFloor(connect.modes.auto.ms, c),
    atMost(connect.modes.auto.ms / c, 2.2, "≤ 2.2×"),
  );
  print(`connect: SDK v2 client, default (legacy): connect() resolved (${eras("legacy")})`, vsFloor(connect.modes.legacy.ms, c));
  print(`connect: SDK v2 client, pinned 2026-07-28: connect() resolved (${eras("pinned")})`, vsFloor(connect.modes.pinned.ms, c));
}

async function footprint(env: Record<string, string>): Promise<void> {
  const footprints: Array<[string, Footprint]> = [
    ["default set", await measureFootprint(ENTRY, [], env)],
    ["--read-only", await measureFootprint(ENTRY, ["--read-only"], env)],
  ];
  for (const [mode, fp] of footprints) {
    const same = fp.sameTools ? "same tools in both eras" : "THE ERAS LIST DIFFERENT TOOLS";
    print(
      `tools/list (${mode}): ${fp.tools.length} tools, whole answer legacy / modern (${same})`,
      `${kb(fp.answerBytes.legacy)} / ${kb(fp.answerBytes.modern)}`,
    );
    const inputTarget = mode === "default set" ? atMost(fp.input.bytes, 16_000, "≤ 16 kB") : undefined;
    print(`tools/list (${mode}): input side (names, titles, descriptions, input schemas, annotations)`, sized(fp.input), inputTarget);
    print(`tools/list (${mode}): output schemas`, sized(fp.output));
  }
  console.log("\n  per tool (default set; tokens: o200k_base)      input bytes / tokens   output bytes / tokens");
  for (const tool of footprints[0]?.[1].tools ?? []) {
    console.log(
      `  ${tool.name.padEnd(46)} ${String(tool.input.bytes).padStart(7)} / ${String(tool.input.tokens).padStart(5)}     ${String(tool.output.bytes).padStart(7)} / ${String(tool.output.tokens).padStart(5)}`,
    );
  }
  console.log("");
}

async function againstTheApi(): Promise<void> {
  const stand = await startStandInProcess(ROOT);
  try {
    for (let i = 0; i < 5; i++) {
      await fetch(`${stand.apiUrl}/jobs`, {
        method: "POST",
        headers: { "x-api-key": stand.apiKey, "content-type": "application/json" },
        body: JSON.stringify({ name: `bench job ${i}` }),
      });
    }
    console.log(`list_jobs, ${load()}`);
    const list = await measureListJobs(ENTRY, stand.apiUrl, stand.apiKey, LIST_CALLS);
    const d = list.direct.p50;
    print(`list_jobs: GET /jobs by fetch, direct, p50 / p99 (${list.calls} calls, 5 jobs, interleaved with all below)`, p50p99(list.direct));
    for (const era of ERAS) {
      const { ours, floor } = list.eras[era];
      print(`list_jobs (${era}): thinnest SDK v2 server (THE FLOOR) p50 / p99`, `${p50p99(floor)}; p50 ${ratio(floor.p50 / d)} direct`);
      print(`list_jobs (${era}): ours p50 / p99`, `${p50p99(ours)}; p50 ${ratio(ours.p50 / d)} direct`);
      print(
        `list_jobs (${era}): ours ÷ the floor server, p50 (p99)`,
        `${ratio(ours.p50 / floor.p50)} (${ratio(ours.p99 / floor.p99)})`,
        atMost(ours.p50 / floor.p50, 1.1, "≤ 1.10× at p50"),
      );
    }
    for (const era of ERAS) {
      for (const [label, options] of [
        ["default GC", ""],
        ["1 MB young generation", "--max-semi-space-size=1"],
      ] as const) {
        const rss = await measureRss(era, ENTRY, stand.apiUrl, stand.apiKey, options);
        const first = rss[0];
        const last = rss[rss.length - 1];
        const growth = first && last ? `; +${((last.rssKiB - first.rssKiB) / 1024).toFixed(1)} MiB from ${first.calls} to ${last.calls}` : "";
        print(`server RSS after N list_jobs calls (${era}, ${label})`, rss.map((r) => `${r.calls}: ${(r.rssKiB / 1024).toFixed(1)} MiB`).join(", ") + growth);
      }
    }
  } finally {
    stand.close();
  }
}

async function auth(): Promise<void> {
  for (const era of ERAS) {
    const approval = await measureApprovalToResult(era, 5);
    print(`sign-in (${era}): approval → the waiting call's result, median of 5 (poll interval ${approval.interval})`, ms(approval.medianMs));
  }
  for (const era of ERAS) {
    const storm = await measureRefreshStorm(era, 50);
    print(
      `refresh storm (${era}): ${storm.concurrent} concurrent calls, expired token → refresh requests`,
      `${storm.refreshes} (failed calls: ${storm.failed})`,
      {
        text: "1",
        met: storm.refreshes === 1 && storm.failed === 0,
      },
    );
  }
  for (const era of ERAS) {
    const cost = await measureRefreshCost(era, 60);
    print(
      `refresh (${era}): list_jobs p50 with a proactive refresh first vs without (${cost.refreshes} refreshes / ${cost.calls} calls)`,
      `${ms(cost.refreshP50)} vs ${ms(cost.plainP50)} = +${ms(cost.refreshP50 - cost.plainP50)}`,
    );
  }
}

async function packaging(): Promise<void> {
  const packSize = await measurePackSize();
  print("package: npm pack --dry-run, packed", `${kb(packSize.packedBytes)} (${packSize.packedBytes} B)`, atMost(packSize.packedBytes, 150_000, "≤ 150 kB"));
  print("package: npm pack --dry-run, unpacked", `${kb(packSize.unpackedBytes)} (${packSize.files.length} files)`);
  const pack = await measurePackage();
  print("package: production dependencies installed", String(pack.prodPackages));
  print("package: npm install <tarball> into an empty folder (local cache)", ms(pack.installMs));
}

async function main(): Promise<void> {
  console.log(`cronicorn-mcp bench: Node ${process.version}, both eras, every figure against a floor measured in the same run\n`);
  // What an MCP client passes (the SDK's default environment is this small): the floor gets the same.
  const env = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "" };
  await startUp(env);
  await footprint(env);
  await againstTheApi();
  await auth();
  await packaging();

  console.log(`\nend, ${load()}\n\n| figure | measured | target |\n|---|---|---|`);
  for (const row of rows) console.log(`| ${row.figure} | ${row.measured} | ${row.target} |`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
