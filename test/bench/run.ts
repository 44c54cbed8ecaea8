/**
 * `npm run bench`: every performance figure, measured side by side in one run and printed as ratios.
 * Nothing here is asserted; the figures are for the README and for review.
 */
import path from "node:path";
import { measureColdStart } from "./cold-start.js";
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

const ROOT = path.resolve(import.meta.dirname, "../..");
const ENTRY = path.join(ROOT, "bin/cronicorn-mcp.js");

async function main(): Promise<void> {
  const rows: Array<[string, string]> = [];
  const print = (label: string, value: string) => {
    rows.push([label, value]);
    console.log(`${label.padEnd(58)} ${value}`);
  };

  console.log("cronicorn-mcp bench (one run, measured side by side)\n");

  const env = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "" };
  const cold = await measureColdStart(ENTRY, env, 25);
  print("cold start: node -e 0 (floor), median of 25, interleaved", ms(cold.floorMs));
  print("cold start: spawn → initialize result, median of 25", `${ms(cold.initializeMs)} (${ratio(cold.initializeRatio)} the floor)`);
  print("cold start: spawn → tools/list result, median of 25 (target ≤ 1.6×)", `${ms(cold.toolsListMs)} (${ratio(cold.toolsListRatio)} the floor)`);
  print("cold start: spawn → first tools/call result (loads SDK + tools)", `${ms(cold.firstCallMs)} (${ratio(cold.firstCallMs / cold.floorMs)} the floor)`);

  const kb = (bytes: number) => `${(bytes / 1000).toFixed(1)} kB`;
  const sized = (s: { bytes: number; tokens: number }) => `${kb(s.bytes)}, ${s.tokens} tokens`;
  const footprints: Array<[string, Footprint]> = [
    ["default set", await measureFootprint(ENTRY, [], env)],
    ["--read-only", await measureFootprint(ENTRY, ["--read-only"], env)],
  ];
  for (const [mode, fp] of footprints) {
    print(`tools/list (${mode}): ${fp.tools.length} tools, whole answer`, kb(fp.answerBytes));
    print(`tools/list (${mode}): input side (target ≤ 16 kB for the default set)`, sized(fp.input));
    print(`tools/list (${mode}): output schemas`, sized(fp.output));
  }
  console.log("\n  per tool (default set; tokens: o200k_base)      input bytes / tokens   output bytes / tokens");
  for (const tool of footprints[0]?.[1].tools ?? []) {
    console.log(
      `  ${tool.name.padEnd(46)} ${String(tool.input.bytes).padStart(7)} / ${String(tool.input.tokens).padStart(5)}     ${String(tool.output.bytes).padStart(7)} / ${String(tool.output.tokens).padStart(5)}`,
    );
  }
  console.log("");

  const packSize = await measurePackSize();
  print("package: npm pack --dry-run, packed (target ≤ 150 kB)", kb(packSize.packedBytes));
  print("package: npm pack --dry-run, unpacked", `${kb(packSize.unpackedBytes)} (${packSize.files.length} files)`);

  const stand = await startStandInProcess(ROOT);
  try {
    for (let i = 0; i < 5; i++) {
      await fetch(`${stand.apiUrl}/jobs`, {
        method: "POST",
        headers: { "x-api-key": stand.apiKey, "content-type": "application/json" },
        body: JSON.stringify({ name: `bench job ${i}` }),
      });
    }
    const list = await measureListJobs(ENTRY, stand.apiUrl, stand.apiKey, 300);
    print("list_jobs via MCP p50 / p99 (300 calls, 5 jobs)", `${ms(list.mcp.p50)} / ${ms(list.mcp.p99)}`);
    print("GET /jobs via fetch p50 / p99 (300 calls, 5 jobs)", `${ms(list.direct.p50)} / ${ms(list.direct.p99)}`);
    print("list_jobs via the thinnest SDK server p50 / p99 (same calls)", `${ms(list.floor.p50)} / ${ms(list.floor.p99)}`);
    print("list_jobs p50 ratio MCP ÷ direct (target ≤ 1.3×)", ratio(list.ratioP50));
    print("  the same ratio for the thinnest SDK server (stdio floor)", ratio(list.floorRatioP50));
    print("  list_jobs p50 ratio MCP ÷ thinnest SDK server", ratio(list.overFloorP50));
    for (const [label, options] of [
      ["default GC", ""],
      ["young generation 1 MB: garbage goes at once", "--max-semi-space-size=1"],
    ] as const) {
      const rss = await measureRss(ENTRY, stand.apiUrl, stand.apiKey, options);
      print(`server RSS after N list_jobs calls (${label})`, rss.map((r) => `${r.calls}: ${(r.rssKiB / 1024).toFixed(1)} MiB`).join(", "));
      const first = rss[0];
      const last = rss[rss.length - 1];
      if (first && last)
        print(`server RSS growth from ${first.calls} to ${last.calls} calls (${label})`, `${((last.rssKiB - first.rssKiB) / 1024).toFixed(1)} MiB`);
    }
  } finally {
    stand.close();
  }

  const approval = await measureApprovalToResult(5);
  print(`sign-in: approval → waiting call's result, median of 5 (poll interval ${approval.interval})`, ms(approval.medianMs));
  print("  samples", approval.samples.map((s) => s.toFixed(0)).join(", ") + " ms");

  const storm = await measureRefreshStorm(50);
  print(`refresh storm: ${storm.concurrent} concurrent calls, expired token → refresh requests`, `${storm.refreshes} (failed calls: ${storm.failed})`);

  const cost = await measureRefreshCost(60);
  print(`list_jobs p50 with a proactive refresh first (${cost.refreshes} refreshes / ${cost.calls} calls)`, ms(cost.refreshP50));
  print("list_jobs p50 without refresh", ms(cost.plainP50));
  print("added latency of a proactive refresh (p50 difference)", ms(cost.refreshP50 - cost.plainP50));

  const pack = await measurePackage();
  print("package: npm pack tarball size", `${(pack.tarballBytes / 1024).toFixed(1)} KiB (${pack.files} files)`);
  print("package: production dependencies installed", String(pack.prodPackages));
  print("package: npm install <tarball> into an empty folder", ms(pack.installMs));
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
