/**
 * Build step (after bundling): trims the source maps to what a bug report needs, a source file and
 * line. A map keeps only the positions that come from this project's own src/ (bundled libraries keep
 * their bundle positions), one position per source line where consecutive tokens share it, no
 * identifier names and no source text (esbuild already leaves that out). A chunk with no code of ours
 * loses its map and the comment pointing at it. Untrimmed, the maps would double the package.
 */
import fs from "node:fs";
import path from "node:path";

const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const VALUE = new Map([...BASE64].map((c, i) => [c, i]));

interface RawMap {
  version: number;
  sources: string[];
  names?: string[];
  mappings: string;
  [key: string]: unknown;
}

/** One mapping segment: generated column, then (source, line, column) as absolute numbers, or just the column. */
type Segment = [number] | [number, number, number, number];

function decodeVlq(text: string): number[] {
  const values: number[] = [];
  let value = 0;
  let shift = 0;
  for (const char of text) {
    const digit = VALUE.get(char);
    if (digit === undefined) throw new Error(`not a base64 VLQ digit: ${char}`);
    value += (digit & 31) << shift;
    if (digit & 32) shift += 5;
    else {
      values.push(value & 1 ? -(value >>> 1) : value >>> 1);
      value = 0;
      shift = 0;
    }
  }
  return values;
}

function encodeVlq(values: number[]): string {
  let out = "";
  for (const number of values) {
    let value = number < 0 ? (-number << 1) | 1 : number << 1;
    do {
      let digit = value & 31;
      value >>>= 5;
      if (value > 0) digit |= 32;
      out += BASE64[digit];
    } while (value > 0);
  }
  return out;
}

/** The mappings as absolute segments per generated line. */
export function decodeMappings(mappings: string): Segment[][] {
  let source = 0;
  let line = 0;
  let column = 0;
  return mappings.split(";").map((group) => {
    let generated = 0;
    return group
      .split(",")
      .filter(Boolean)
      .map((text): Segment => {
        const [g = 0, s, l, c] = decodeVlq(text);
        generated += g;
        if (s === undefined || l === undefined || c === undefined) return [generated];
        source += s;
        line += l;
        column += c;
        return [generated, source, line, column];
      });
  });
}

export function encodeMappings(lines: Segment[][]): string {
  let source = 0;
  let line = 0;
  let column = 0;
  return lines
    .map((segments) => {
      let generated = 0;
      return segments
        .map((segment) => {
          const values = [segment[0] - generated];
          generated = segment[0];
          if (segment.length === 4) {
            values.push(segment[1] - source, segment[2] - line, segment[3] - column);
            [, source, line, column] = segment;
          }
          return encodeVlq(values);
        })
        .join(",");
    })
    .join(";");
}

/** The map restricted to sources that `keep` accepts (renumbered), without names; undefined when nothing is left. */
export function trimMap(map: RawMap, keep: (source: string) => boolean): RawMap | undefined {
  const renumbered = new Map<number, number>();
  const sources: string[] = [];
  map.sources.forEach((source, index) => {
    if (!keep(source)) return;
    renumbered.set(index, sources.length);
    sources.push(source);
  });
  if (sources.length === 0) return undefined;
  const lines = decodeMappings(map.mappings).map((segments) => {
    const out: Array<[number, number, number, number]> = [];
    for (const segment of segments) {
      if (segment.length !== 4) continue;
      const source = renumbered.get(segment[1]);
      if (source === undefined) continue;
      const last = out.at(-1);
      // A stack frame needs the line: the next token of the same source line adds nothing to it.
      if (last && last[1] === source && last[2] === segment[2]) continue;
      out.push([segment[0], source, segment[2], segment[3]]);
    }
    return out;
  });
  const { names: _names, sourcesContent: _content, ...rest } = map;
  return { ...rest, sources, names: [], mappings: encodeMappings(lines) };
}

const ours = (source: string): boolean => !source.includes("node_modules/") && /(^|\/)src\//.test(source);

/** Trims every map in `outDir` (see the module comment); returns the maps kept. */
export function trimSourceMaps(outDir: string): string[] {
  const kept: string[] = [];
  for (const name of fs.readdirSync(outDir).filter((n) => n.endsWith(".js.map"))) {
    const mapFile = path.join(outDir, name);
    const jsFile = mapFile.slice(0, -".map".length);
    const trimmed = trimMap(JSON.parse(fs.readFileSync(mapFile, "utf8")) as RawMap, ours);
    if (trimmed) {
      fs.writeFileSync(mapFile, JSON.stringify(trimmed));
      kept.push(name);
      continue;
    }
    fs.rmSync(mapFile);
    const js = fs.readFileSync(jsFile, "utf8");
    fs.writeFileSync(jsFile, js.replace(/\n\/\/# sourceMappingURL=\S+\s*$/, "\n"));
  }
  return kept;
}
