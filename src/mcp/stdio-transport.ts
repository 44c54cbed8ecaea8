/**
 * The SDK's stdio transport as this server needs it: it reads what the start-up answers hand over (the
 * replay, then the rest of stdin), drops the SDK's answers to the replayed requests (the client already
 * has its answers: once per replayed id, so a client request that happened to use the same id is still
 * answered), and reports when it closes — whether at the end of its input, or on a fault while input
 * was still coming (a line over the SDK's limit) — so the process ends instead of lingering deaf.
 */
import type { Readable, Writable } from "node:stream";
import { StdioServerTransport } from "@modelcontextprotocol/server/stdio";
import type { JSONRPCMessage } from "@modelcontextprotocol/server";

export class ServedStdioTransport extends StdioServerTransport {
  private readonly unanswered: Set<string>;
  private ended = false;

  constructor(
    private readonly input: Readable,
    output: Writable,
    replayIds: ReadonlySet<string>,
    private readonly onEnded: (fault: boolean) => void,
  ) {
    super(input, output);
    this.unanswered = new Set(replayIds);
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
