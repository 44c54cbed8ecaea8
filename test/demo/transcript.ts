/**
 * The demo's terminal output: numbered steps, what the "assistant" called, what came back, and each
 * check as it passes. Plain text, with ANSI styling only when stdout is a TTY (and NO_COLOR is unset).
 * Everything printed is also kept, so the demo can prove afterwards that no token was ever shown.
 */
import { stripVTControlCharacters } from "node:util";

const useColor = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
const style = (code: string) => (text: string) => (useColor ? `\u001b[${code}m${text}\u001b[0m` : text);
export const bold = style("1");
export const dim = style("2");
const red = style("31");
const green = style("32");
const yellow = style("33");
const cyan = style("36");

const WIDTH = Math.max(60, Math.min(process.stdout.columns ?? 100, 110));
/** Longest tool summary shown before it is shortened. */
const MAX_SUMMARY = 420;

/** A check that did not hold: what the step claimed, and what was actually there. */
export class StepFailure extends Error {
  override readonly name = "StepFailure";
  constructor(
    readonly claim: string,
    readonly detail?: string,
  ) {
    super(detail ? `${claim} — got: ${detail}` : claim);
  }
}

/** Word-wraps `text` to the terminal width; the first line starts with `first`, the rest with `rest`. */
export function wrap(text: string, first: string, rest = " ".repeat(first.length)): string {
  const width = WIDTH - rest.length;
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  lines.push(line);
  return lines.map((l, i) => `${i === 0 ? first : rest}${l}`).join("\n");
}

export function shorten(text: string, max = MAX_SUMMARY): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

const INDENT = "     ";

export class Transcript {
  private readonly printed: string[] = [];
  private step = 0;
  /** The title of the step in progress, for the failure report. */
  current = "setup (before step 1)";

  /** Everything printed so far, without styling. */
  get text(): string {
    return stripVTControlCharacters(this.printed.join("\n"));
  }

  print(line = ""): void {
    this.printed.push(line);
    process.stdout.write(`${line}\n`);
  }

  title(text: string): void {
    this.print(bold(text));
    this.print(dim("─".repeat(Math.min(WIDTH, text.length + 4))));
  }

  /** A "label  value" line of the setup table. */
  fact(label: string, value: string): void {
    this.print(`  ${dim(label.padEnd(14))}${value}`);
  }

  heading(text: string): void {
    this.step += 1;
    this.current = `step ${this.step} (${text})`;
    this.print();
    this.print(bold(`${String(this.step).padStart(2)}. ${text}`));
  }

  /** What the assistant called. Short argument lists stay on one line; longer ones get one line per field. */
  call(tool: string, args?: Record<string, unknown>): void {
    const inline = args ? JSON.stringify(args) : "";
    if (!args || inline.length + tool.length < WIDTH - 12) {
      this.print(`   ${cyan("→")} ${cyan(tool)} ${inline}`.trimEnd());
      return;
    }
    this.print(`   ${cyan("→")} ${cyan(tool)}`);
    const keyWidth = Math.max(...Object.keys(args).map((k) => k.length)) + 2;
    for (const [key, value] of Object.entries(args)) {
      this.print(wrap(JSON.stringify(value), `${INDENT}${dim(key.padEnd(keyWidth))}`, `${INDENT}${" ".repeat(keyWidth)}`));
    }
  }

  /** What came back: the tool's own text summary, shortened when long. */
  result(summary: string): void {
    this.print(wrap(shorten(summary), `   ${green("←")} `, INDENT));
  }

  note(text: string): void {
    this.print(wrap(text, `   ${dim("·")} `, INDENT));
  }

  /** Something the demo does on the user's behalf (outside the MCP session). */
  action(text: string): void {
    this.print(wrap(text, `   ${yellow("⚑")} `, INDENT));
  }

  /** A boxed URL + code, the way a client would show the sign-in request. */
  signInBox(url: string, code: string): void {
    const rule = "─".repeat(Math.min(WIDTH - 8, Math.max(url.length + 10, 40)));
    this.print(`${INDENT}${yellow(`┌${rule}`)}`);
    this.print(`${INDENT}${yellow("│")} ${dim("Open ")}  ${bold(url)}`);
    this.print(`${INDENT}${yellow("│")} ${dim("Code ")}  ${bold(code)}`);
    this.print(`${INDENT}${yellow(`└${rule}`)}`);
  }

  /** Passes silently into the transcript as a ✓ line, or throws a StepFailure naming what did not hold. */
  check(ok: unknown, claim: string, detail?: string): void {
    if (!ok) throw new StepFailure(claim, detail);
    this.print(wrap(claim, `   ${green("✓")} `, INDENT));
  }

  failed(error: unknown): void {
    const bar = `  ${red("│")} `;
    this.print();
    this.print(red(bold(`✗ Failed at ${this.current}`)));
    if (!(error instanceof StepFailure)) {
      this.print(wrap(error instanceof Error ? error.message : String(error), bar));
      return;
    }
    this.print(wrap(error.claim, `${bar}${dim("expected")}  `, `${bar}          `));
    // Details are often JSON: cut into fixed-width pieces rather than word-wrapped.
    const width = WIDTH - 16;
    const detail = error.detail ?? "";
    for (let i = 0; i < detail.length; i += width) this.print(`${bar}${i === 0 ? dim("got     ") : "        "}  ${detail.slice(i, i + width)}`);
  }

  passed(summary: string): void {
    this.print();
    this.print(green(bold(`✓ ${summary}`)));
  }
}
