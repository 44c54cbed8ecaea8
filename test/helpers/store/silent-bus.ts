/**
 * A D-Bus session bus that accepts connections and never answers: the D-Bus client in the keyring
 * module waits forever for the bus's first reply. A unix socket in a private temp folder; it counts
 * the connections still open, so a test can see that nothing stays stuck on it.
 */
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

export interface SilentBus {
  /** For DBUS_SESSION_BUS_ADDRESS. */
  address: string;
  /** Connections open now. */
  open(): number;
  /** Connections accepted so far. */
  accepted(): number;
  close(): Promise<void>;
}

export async function startSilentBus(): Promise<SilentBus> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cronicorn-silent-bus-"));
  const socketPath = path.join(dir, "bus");
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  const server = net.createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on("data", () => undefined); // read what the client says, answer nothing
    socket.on("error", () => undefined);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return {
    address: `unix:path=${socketPath}`,
    open: () => sockets.size,
    accepted: () => accepted,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
