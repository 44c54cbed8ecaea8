/**
 * `npm run mutation:survivors`: rewrites the generated parts of docs/mutation-survivors.md from the last
 * `npm run mutation` (reports/mutation/mutation.json): the score by area, and every mutant left alive or
 * not reached, by file, with the code it changed. The reasons around them are written by hand.
 */
import fs from "node:fs";
import path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "..");
const REPORT = path.join(ROOT, "reports/mutation/mutation.json");
const DOC = path.join(ROOT, "docs/mutation-survivors.md");

interface Mutant {
  mutatorName: string;
  replacement?: string;
  status: string;
  location: { start: { line: number; column: number }; end: { line: number; column: number } };
}
interface Report {
  files: Record<string, { source: string; mutants: Mutant[] }>;
}

const DETECTED = new Set(["Killed", "Timeout"]);

/** Files that only run as their own process (the bin's entries, the keychain helper): the spawned tests run them, Stryker cannot. */
const SPAWNED_ONLY = new Set(["src/start.ts", "src/cli.ts", "src/mcp/serve.ts", "src/auth/store/keychain-helper.ts"]);

/** A mechanical reason, where one applies: code only a child process runs, or the text of a log line. */
function tagOf(file: string, lines: readonly string[], m: Mutant): string {
  if (SPAWNED_ONLY.has(file)) return " [spawned only]";
  const line = lines[m.location.start.line - 1] ?? "";
  if (/StringLiteral|TemplateLiteral/.test(m.mutatorName) && /\b(logger|log)\.(debug|info|warn|error)\(/.test(line)) return " [log text]";
  return "";
}
const MISSED = new Set(["Survived", "NoCoverage"]);

/** The area a file belongs to: its folder under src/, or the file itself at the root. */
const areaOf = (file: string) => file.split("/").slice(0, 2).join("/");

function scoreTable(report: Report): string {
  const areas = new Map<string, { detected: number; missed: number; noCoverage: number }>();
  const add = (area: string, m: Mutant) => {
    const row = areas.get(area) ?? { detected: 0, missed: 0, noCoverage: 0 };
    if (DETECTED.has(m.status)) row.detected += 1;
    if (MISSED.has(m.status)) row.missed += 1;
    if (m.status === "NoCoverage") row.noCoverage += 1;
    areas.set(area, row);
  };
  for (const [file, { mutants }] of Object.entries(report.files)) {
    for (const m of mutants) {
      add(areaOf(file), m);
      add("all of src/", m);
    }
  }
  const pct = (r: { detected: number; missed: number }) => `${((100 * r.detected) / (r.detected + r.missed)).toFixed(1)} %`;
  const rows = [...areas].sort(([a], [b]) => (a === "all of src/" ? 1 : b === "all of src/" ? -1 : a.localeCompare(b)));
  return [
    "| area | killed or timed out | survived | not reached | score |",
    "|---|---|---|---|---|",
    ...rows.map(([area, r]) => {
      const name = area === "all of src/" ? "**all of src/**" : `\`${area}\``;
      return `| ${name} | ${r.detected} | ${r.missed - r.noCoverage} | ${r.noCoverage} | ${area === "all of src/" ? `**${pct(r)}**` : pct(r)} |`;
    }),
  ].join("\n");
}

/** The mutated code, on one line and shortened. */
function original(lines: readonly string[], m: Mutant): string {
  const { start, end } = m.location;
  const text =
    start.line === end.line
      ? (lines[start.line - 1] ?? "").slice(start.column - 1, end.column - 1)
      : [
          (lines[start.line - 1] ?? "").slice(start.column - 1),
          ...lines.slice(start.line, end.line - 1),
          (lines[end.line - 1] ?? "").slice(0, end.column - 1),
        ].join(" ");
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > 70 ? `${flat.slice(0, 67)}…` : flat;
}

function survivorList(report: Report): string {
  const out: string[] = [];
  for (const [file, { source, mutants }] of Object.entries(report.files).sort(([a], [b]) => a.localeCompare(b))) {
    const missed = mutants
      .filter((m) => MISSED.has(m.status))
      .sort((a, b) => a.location.start.line - b.location.start.line || a.location.start.column - b.location.start.column);
    if (missed.length === 0) continue;
    const lines = source.split("\n");
    out.push(`### \`${file}\` (${missed.length})`, "");
    for (const m of missed) {
      const where = `${m.location.start.line}:${m.location.start.column}`;
      const replacement = (m.replacement ?? "").replace(/\s+/g, " ");
      const shown = replacement.length > 50 ? `${replacement.slice(0, 47)}…` : replacement;
      const code = (s: string) => `\`${s.replaceAll("`", "'") || " "}\``;
      const reached = m.status === "NoCoverage" ? " (not reached)" : "";
      out.push(`- ${where} ${m.mutatorName}${reached}${tagOf(file, lines, m)}: ${code(original(lines, m))} → ${code(shown)}`);
    }
    out.push("");
  }
  return out.join("\n");
}

/** Replaces the text between `<!-- name:start -->` and `<!-- name:end -->`. */
function splice(doc: string, name: string, text: string): string {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const from = doc.indexOf(start);
  const to = doc.indexOf(end);
  if (from < 0 || to < from) throw new Error(`docs/mutation-survivors.md has no ${start} … ${end} section`);
  return `${doc.slice(0, from + start.length)}\n${text}\n${doc.slice(to)}`;
}

const report = JSON.parse(fs.readFileSync(REPORT, "utf8")) as Report;
let doc = fs.readFileSync(DOC, "utf8");
doc = splice(doc, "scores", scoreTable(report));
doc = splice(doc, "survivors", survivorList(report));
fs.writeFileSync(DOC, doc);
console.log(
  `docs/mutation-survivors.md: ${Object.values(report.files).reduce((n, f) => n + f.mutants.filter((m) => MISSED.has(m.status)).length, 0)} mutants listed`,
);
