/** A tiny HTTP server for endpoints to call (test_endpoint), answering 200 or 500 on demand. */
import http from "node:http";
import { listenOnLoopback, stopServer } from "../stack/loopback.js";

export interface Target {
  url: string;
  hits: number;
  close(): Promise<void>;
}

export async function startTarget(): Promise<Target> {
  const target = { url: "", hits: 0, close: async () => {} };
  const server = http.createServer((req, res) => {
    target.hits++;
    const failing = req.url?.startsWith("/fail");
    res.writeHead(failing ? 500 : 200, { "content-type": "application/json" });
    res.end(JSON.stringify({ ok: !failing, path: req.url }));
  });
  target.url = `http://127.0.0.1:${await listenOnLoopback(server)}`;
  target.close = () => stopServer(server);
  return target;
}
