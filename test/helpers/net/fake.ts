/**
 * Hostile or scripted peers on 127.0.0.1 for the network tests: a server whose answer per request is
 * set by the test, recording every request it received (method, path, headers).
 */
import http from "node:http";
import { listenOnLoopback, stopServer } from "../../stack/loopback.js";

export interface Received {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
}

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse, n: number) => void;

export interface FakeServer {
  origin: string;
  received: Received[];
  handle: Handler;
  close(): Promise<void>;
}

export async function startFake(handle: Handler = (_q, res) => json(res, 404, { message: "no route" })): Promise<FakeServer> {
  const fake: FakeServer = { origin: "", received: [], handle, close: async () => {} };
  const server = http.createServer((req, res) => {
    fake.received.push({ method: req.method ?? "", path: req.url ?? "", headers: req.headers });
    req.resume();
    req.on("end", () => fake.handle(req, res, fake.received.length));
  });
  fake.origin = `http://127.0.0.1:${await listenOnLoopback(server)}`;
  fake.close = () => stopServer(server);
  return fake;
}

export function json(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

export function text(res: http.ServerResponse, status: number, body: string): void {
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8" });
  res.end(body);
}

export const aJob = { id: "job_1_abc", name: "nightly", status: "active", createdAt: "2026-01-01T00:00:00.000Z", archivedAt: null };
