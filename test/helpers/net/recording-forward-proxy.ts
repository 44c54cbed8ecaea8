/**
 * An in-process forward proxy on 127.0.0.1 that records how each request reached it: a plain-http
 * request in absolute form ("GET http://host:port/path"), or a tunnel ("CONNECT host:port"), with the
 * Proxy-Authorization it carried. It forwards absolute-form requests and opens tunnels, as a
 * corporate proxy would. (tinyproxy, test/helpers/net/forward-proxy.ts, is the real one, in a child process.)
 */
import http from "node:http";
import net from "node:net";
import { listenOnLoopback, stopServer } from "../../stack/loopback.js";

export interface ProxyRequest {
  line: string;
  proxyAuthorization: string | undefined;
}

export interface RecordingForwardProxy {
  /** http://127.0.0.1:port */
  url: string;
  received: ProxyRequest[];
  close(): Promise<void>;
}

export async function startRecordingForwardProxy(): Promise<RecordingForwardProxy> {
  const received: ProxyRequest[] = [];
  const sockets = new Set<net.Socket>();
  const server = http.createServer((req, res) => {
    received.push({ line: `${req.method} ${req.url}`, proxyAuthorization: req.headers["proxy-authorization"] });
    const target = new URL(req.url ?? "");
    const headers = { ...req.headers };
    delete headers["proxy-authorization"];
    delete headers["proxy-connection"];
    const upstream = http.request(
      { host: target.hostname, port: target.port, path: target.pathname + target.search, method: req.method, headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on("error", () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  server.on("connect", (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    received.push({ line: `CONNECT ${req.url}`, proxyAuthorization: req.headers["proxy-authorization"] });
    const [host, port] = (req.url ?? "").split(":");
    const upstream = net.connect(Number(port), host ?? "127.0.0.1", () => {
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream).add(client);
    upstream.on("error", () => client.destroy());
    client.on("error", () => upstream.destroy());
  });
  const port = await listenOnLoopback(server);
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await stopServer(server);
    },
  };
}
