/** Starting and stopping the test peers' HTTP servers on 127.0.0.1 (never another interface). */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";

/** Listen on 127.0.0.1:`port` (0 = any free port); resolves with the port. */
export function listenOnLoopback(server: Server, port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Stop at once: drop every open connection (keep-alive included), then close the listener. */
export async function stopServer(server: Server): Promise<void> {
  server.closeAllConnections();
  if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
}
