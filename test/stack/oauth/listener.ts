import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { listenOnLoopback as listenOn127 } from "../loopback.js";

/**
 * An HTTP server on 127.0.0.1 that can stop accepting connections and later listen again on the
 * same port. It has no request handler yet: attach one to `server` once the port is known.
 */
export interface LoopbackListener {
  readonly port: number;
  readonly server: Server;
  /** Close the listening socket and drop open connections, so new connections are refused. */
  refuse(): Promise<void>;
  /** Listen again on the same port (no-op while listening). */
  resume(): Promise<void>;
  close(): Promise<void>;
}

export async function listenOnLoopback(port = 0): Promise<LoopbackListener> {
  const server = createServer();
  await listenOn127(server, port);
  const boundPort = (server.address() as AddressInfo).port;
  let closed = false;

  const refuse = async (): Promise<void> => {
    if (!server.listening) return;
    const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
    // Connections still open (in-flight or kept alive) would otherwise still reach the server.
    server.closeAllConnections();
    await stopped;
  };

  return {
    port: boundPort,
    server,
    refuse,
    async resume() {
      if (closed) throw new Error("the authorization server has been closed");
      if (!server.listening) await listenOn127(server, boundPort);
    },
    async close() {
      closed = true;
      await refuse();
    },
  };
}
