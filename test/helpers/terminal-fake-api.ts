/**
 * A Cronicorn API root on 127.0.0.1 whose every answer a doctor test sets: a status and body per path,
 * a delay, a dropped connection, or a Date header of its choice. It records what it was asked (method,
 * path with query, headers) so a test can check what doctor sent, and with which credential.
 */
import http from "node:http";
import { listenOnLoopback, stopServer } from "../stack/loopback.js";

export interface Answer {
  status?: number;
  body?: unknown;
  /** Wait this long before answering. */
  delayMs?: number;
  /** Destroy the socket instead of answering. */
  drop?: boolean;
  headers?: Record<string, string>;
  /** false: no Date header (Node adds one by default). */
  sendDate?: boolean;
}

export interface Asked {
  method: string;
  /** Path and query, e.g. "/api/jobs?status=archived". */
  url: string;
  headers: http.IncomingHttpHeaders;
}

export interface FakeApi {
  /** "http://127.0.0.1:<port>/api" */
  apiUrl: string;
  asked: Asked[];
  /** Paths asked so far, without the query. */
  paths(): string[];
  /** How the server answers `path` (without query) from now on; unset paths answer 404. */
  answer(path: string, answer: Answer): void;
  close(): Promise<void>;
}

/** Starts with `/api/auth/ok` answering 200, as every Cronicorn does. */
export async function startFakeApi(): Promise<FakeApi> {
  const answers = new Map<string, Answer>([["/api/auth/ok", { status: 200, body: { ok: true } }]]);
  const asked: Asked[] = [];
  const server = http.createServer((req, res) => {
    asked.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers });
    const answer = answers.get(new URL(req.url ?? "/", "http://x").pathname) ?? { status: 404, body: { message: "Not found" } };
    setTimeout(() => {
      if (answer.drop) return void req.socket.destroy();
      res.sendDate = answer.sendDate ?? true;
      res.writeHead(answer.status ?? 200, { "content-type": "application/json", ...answer.headers });
      res.end(JSON.stringify(answer.body ?? null));
    }, answer.delayMs ?? 0);
  });
  const port = await listenOnLoopback(server);
  return {
    apiUrl: `http://127.0.0.1:${port}/api`,
    asked,
    paths: () => asked.map((a) => new URL(a.url, "http://x").pathname),
    answer: (path, answer) => void answers.set(path, answer),
    close: () => stopServer(server),
  };
}
