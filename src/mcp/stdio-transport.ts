/**
 * The SDK's stdio transport as this server needs it: it reads what the start-up answers hand over (the
 * replay and the bytes they read, then the rest of stdin), drops the SDK's answers to the replayed requests (the client already
 * has its answers: once per replayed id, so a client request that happened to use the same id is still
 * answered), and reports when it closes — whether at the end of its input, or on a fault while input
 * was still coming (a line over the SDK's limit) — so the process ends instead of lingering deaf.
 */
import { PassThrough } from "node:stream";
import type { Readable, Writable } from "node:stream";
import { StdioServerTransport } from "@modelcontextprotocol/server/stdio";
import type { JSONRPCMessage } from "@modelcontextprotocol/server";
import type { HandOff } from "./front.js";

/** What was handed over as one stream: the head, then the rest of stdin. */
export function joinedInput({ head, input }: HandOff): Readable {
  if (head.length === 0) return input;
  const joined = new PassThrough();
  joined.write(head);
  input.pipe(joined);
  return joined;
}

export class ServedStdioTransport extends StdioServerTransport {
  private readonly unanswered: Set<string>;
  private readonly input: Readable;
  private ended = false;

  constructor(
    handed: HandOff,
    output: Writable,
    private readonly onEnded: (fault: boolean) => void,
  ) {
    const input = joinedInput(handed);
    super(input, output);
    this.input = input;
    this.unanswered = new Set(handed.replayIds);
  }

  override send(message: JSONRPCMessage): Promise<void> {
    const isAnswer = "id" in message && !("method" in message);
    if (isAnswer && typeof message.id === "string" && this.unanswered.delete(message.id)) return Promise.resolve();
    return super.send(message);
  }

  override async close(): Promise<void> {
    await super.close();
    if (this.ended) return;
    this.ended = true;
    this.onEnded(!this.input.readableEnded && !this.input.destroyed);
  }
}
