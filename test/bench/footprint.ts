/**
 * What `tools/list` costs a model's context: the raw answer of the built server, split per tool into
 * the input side (name, title, description, input schema, annotations — what a client puts in the
 * prompt) and the output schema, in bytes and in tokens (o200k_base, the GPT-4o tokenizer; other
 * models' tokenizers differ by some percent, the proportions hold). Asked in both eras: the tools are
 * the same, the modern answer adds its result type, cache hints and server identity.
 */
import { countTokens } from "gpt-tokenizer/encoding/o200k_base";
import type { Era } from "../helpers/mcp.js";
import { converse, OPENING } from "./cold-start.js";

interface Size {
  bytes: number;
  tokens: number;
}

export interface ToolFootprint {
  name: string;
  input: Size;
  output: Size;
}

export interface Footprint {
  tools: ToolFootprint[];
  input: Size;
  output: Size;
  /** The whole JSON-RPC answer as it crosses stdio, per era. */
  answerBytes: Record<Era, number>;
  /** Whether both eras list exactly the same tools. */
  sameTools: boolean;
}

const size = (value: unknown): Size => {
  const text = JSON.stringify(value);
  return { bytes: Buffer.byteLength(text), tokens: countTokens(text) };
};
const sum = (sizes: Size[]): Size => sizes.reduce((a, b) => ({ bytes: a.bytes + b.bytes, tokens: a.tokens + b.tokens }), { bytes: 0, tokens: 0 });

/** The raw `tools/list` answer line of the built server started with `args`, asked in `era`. */
export async function rawToolsList(era: Era, entry: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  const answers = await converse([entry, ...args], env, OPENING[era]);
  return answers[answers.length - 1]?.line ?? "";
}

type Tools = Array<Record<string, unknown>>;
const toolsOf = (answer: string) => (JSON.parse(answer) as { result: { tools: Tools } }).result.tools;

export async function measureFootprint(entry: string, args: string[], env: NodeJS.ProcessEnv): Promise<Footprint> {
  const legacy = await rawToolsList("legacy", entry, args, env);
  const modern = await rawToolsList("modern", entry, args, env);
  const tools = toolsOf(legacy);
  const perTool = tools.map(({ outputSchema, ...inputSide }) => ({
    name: String(inputSide.name),
    input: size(inputSide),
    output: outputSchema === undefined ? { bytes: 0, tokens: 0 } : size(outputSchema),
  }));
  return {
    tools: perTool,
    input: sum(perTool.map((t) => t.input)),
    output: sum(perTool.map((t) => t.output)),
    answerBytes: { legacy: Buffer.byteLength(legacy), modern: Buffer.byteLength(modern) },
    sameTools: JSON.stringify(toolsOf(modern)) === JSON.stringify(tools),
  };
}
