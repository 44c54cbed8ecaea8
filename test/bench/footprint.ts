/**
 * What `tools/list` costs a model's context: the raw answer of the built server, split per tool into
 * the input side (name, title, description, input schema, annotations — what a client puts in the
 * prompt) and the output schema, in bytes and in tokens (o200k_base, the GPT-4o tokenizer; other
 * models' tokenizers differ by some percent, the proportions hold).
 */
import { spawn } from "node:child_process";
import { countTokens } from "gpt-tokenizer/encoding/o200k_base";

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
  /** The whole JSON-RPC result as it crosses stdio. */
  answerBytes: number;
}

const size = (value: unknown): Size => {
  const text = JSON.stringify(value);
  return { bytes: Buffer.byteLength(text), tokens: countTokens(text) };
};
const sum = (sizes: Size[]): Size => sizes.reduce((a, b) => ({ bytes: a.bytes + b.bytes, tokens: a.tokens + b.tokens }), { bytes: 0, tokens: 0 });

const line = (message: object) => `${JSON.stringify({ jsonrpc: "2.0", ...message })}\n`;

/** The raw `tools/list` result line of the built server started with `args`. */
export function rawToolsList(entry: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [entry, ...args], { stdio: ["pipe", "pipe", "ignore"], env });
    let buffered = "";
    child.on("error", reject);
    child.stdout.on("data", (chunk: Buffer) => {
      buffered += chunk.toString("utf8");
      for (let nl = buffered.indexOf("\n"); nl >= 0; nl = buffered.indexOf("\n")) {
        const text = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        if ((JSON.parse(text) as { id?: unknown }).id === 2) {
          child.kill();
          resolve(text);
        }
      }
    });
    child.stdin.write(
      line({ id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "bench", version: "1" } } }) +
        line({ method: "notifications/initialized" }) +
        line({ id: 2, method: "tools/list", params: {} }),
    );
  });
}

export async function measureFootprint(entry: string, args: string[], env: NodeJS.ProcessEnv): Promise<Footprint> {
  const answer = await rawToolsList(entry, args, env);
  const { tools } = (JSON.parse(answer) as { result: { tools: Array<Record<string, unknown>> } }).result;
  const perTool = tools.map(({ outputSchema, ...inputSide }) => ({
    name: String(inputSide.name),
    input: size(inputSide),
    output: outputSchema === undefined ? { bytes: 0, tokens: 0 } : size(outputSchema),
  }));
  return { tools: perTool, input: sum(perTool.map((t) => t.input)), output: sum(perTool.map((t) => t.output)), answerBytes: Buffer.byteLength(answer) };
}
