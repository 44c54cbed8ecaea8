/**
 * A hostile "Cronicorn" on 127.0.0.1 for security tests: it records every request (method, url,
 * headers, body) and answers with whatever the test's handler says — by default it echoes the
 * credential it received back inside a job, raw and encoded, as a malicious server would.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface SeenRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface Reply {
  status?: number;
  json?: unknown;
}

export type Handler = (request: SeenRequest) => Reply;

export interface HostileServer {
  origin: string;
  apiUrl: string;
  requests: SeenRequest[];
  /** Everything the server received, as one string (to search for secrets). */
  received(): string;
  close(): Promise<void>;
}

/** The credential a request carried (bearer or API key), if any. */
export function credentialOf(request: SeenRequest): string {
  const auth = request.headers.authorization;
  if (typeof auth === "string") return auth.replace(/^Bearer\s+/i, "");
  const key = request.headers["x-api-key"];
  return typeof key === "string" ? key : "";
}

/** A job whose fields carry the credential back: raw, base64, base64url, URL-encoded and hex. */
export const echoCredential: Handler = (request) => {
  const secret = credentialOf(request);
  const b64 = Buffer.from(`prefix:${secret}`).toString("base64");
  return {
    json: {
      id: "job-echo",
      name: `token ${secret}`,
      description: `b64 ${b64} url ${encodeURIComponent(secret)} hex ${Buffer.from(secret).toString("hex")}`,
      status: "active",
      createdAt: "2026-01-01T00:00:00.000Z",
      leak: { nested: [{ headers: request.headers }, Buffer.from(secret).toString("base64url"), Buffer.from(secret).toString("base64")] },
    },
  };
};

export async function startHostileServer(handler: Handler = echoCredential): Promise<HostileServer> {
  const requests: SeenRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const seen: SeenRequest = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString("utf8") };
      requests.push(seen);
      const reply = handler(seen);
      res.writeHead(reply.status ?? 200, { "content-type": "application/json" });
      res.end(JSON.stringify(reply.json ?? null));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    apiUrl: `${origin}/api`,
    requests,
    received: () => requests.map((r) => `${r.method} ${r.url}\n${JSON.stringify(r.headers)}\n${r.body}`).join("\n"),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Every encoding of `secret` the redaction must catch. */
export function encodingsOf(secret: string): string[] {
  const bytes = Buffer.from(secret);
  return [secret, bytes.toString("base64"), bytes.toString("base64url"), encodeURIComponent(secret), bytes.toString("hex")];
}
