/** The README as a source of commands and snippets, for the tests that run or check each one. */
import fs from "node:fs";
import path from "node:path";
import { ROOT } from "./pack.js";

export function readme(): string {
  return fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
}

/** The body of the first fenced block of `lang` after the heading line `heading` (e.g. "### Cursor"). */
export function blockAfter(heading: string, lang: string): string {
  const text = readme();
  const start = text.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`README has no heading "${heading}"`);
  const block = new RegExp("```" + lang + "\\n([\\s\\S]*?)```").exec(text.slice(start));
  if (!block?.[1]) throw new Error(`README has no \`\`\`${lang} block after "${heading}"`);
  return block[1];
}

/** Commands are what starts with one of these programs. */
const PROGRAMS = /^(npx|npm|claude|code|node) /;

/**
 * Every command the README shows: inline code spans and the lines of ```sh blocks (comments dropped),
 * that start with a program a reader would run. In order of appearance, each once.
 */
export function readmeCommands(): string[] {
  const text = readme();
  const found: string[] = [];
  const blocks = /```sh\n([\s\S]*?)```/g;
  for (const [, body] of text.matchAll(blocks)) {
    for (const line of (body ?? "").split("\n")) {
      const command = line.replace(/(^|\s)#.*$/, "").trim();
      if (PROGRAMS.test(command)) found.push(command);
    }
  }
  for (const [, span] of text.replace(/```[\s\S]*?```/g, "").matchAll(/`([^`\n]+)`/g)) {
    if (span && PROGRAMS.test(span)) found.push(span.trim());
  }
  return [...new Set(found)];
}

/** Split a command line as a POSIX shell would, for the plain words and single quotes README commands use. */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  for (const [, quoted, plain] of line.matchAll(/'((?:[^']|'\\'')*)'|(\S+)/g))
    words.push(quoted !== undefined ? quoted.replace(/'\\''/g, "'") : (plain as string));
  return words;
}
