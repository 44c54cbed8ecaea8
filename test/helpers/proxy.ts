/**
 * A recording HTTP proxy in front of a peer: it forwards everything unchanged (unless told to rewrite a
 * response) and keeps every secret it sees on the wire — device codes, access and refresh tokens — so
 * tests can prove none of them was ever printed.
 */
import http from "node:http";
import { listenOnLoopback, stopServer } from "../stack/loopback.js";
import { trackIssuer } from "./secrets.js";

export interface RecordingProxy {
  url: string;
  secrets: Set<string>;
  requests: Array<{ method: string; path: string; at: number; status?: number; error?: string }>;
  /** Rewrite a JSON response body for paths matching `match`. */
  rewrite?: { match: RegExp; change: (body: Record<string, unknown>) => Record<string, unknown> };
  close(): Promise<void>;
}

const SECRET_FIELDS = ["device_code", "access_token", "refresh_token", "id_token", "code"];

export async function startRecordingProxy(targetOrigin: string): Promise<RecordingProxy> {
  const proxy: RecordingProxy = { url: "", secrets: new Set(), requests: [], close: async () => {} };
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const path = req.url ?? "/";
    const record: RecordingProxy["requests"][number] = { method: req.method ?? "GET", path: path.split("?")[0] ?? path, at: Date.now() };
    proxy.requests.push(record);
    const auth = req.headers.authorization;
    if (auth?.startsWith("Bearer ")) proxy.secrets.add(auth.slice(7));
    try {
      const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => k !== "host" && k !== "content-length" && k !== "connection")) as Record<
        string,
        string
      >;
      const upstream = await fetch(targetOrigin + path, { method: req.method, headers, body: body.length > 0 ? body : undefined, redirect: "manual" });
      let text = await upstream.text();
      record.status = upstream.status;
      try {
        let json = JSON.parse(text) as Record<string, unknown>;
        if (typeof json.error === "string") record.error = json.error;
        for (const field of SECRET_FIELDS) if (typeof json[field] === "string") proxy.secrets.add(json[field] as string);
        if (proxy.rewrite?.match.test(path)) {
          json = proxy.rewrite.change(json);
          text = JSON.stringify(json);
        }
      } catch {
        // not JSON: forwarded as is
      }
      const outHeaders: Record<string, string> = {};
      upstream.headers.forEach((value, key) => {
        if (key !== "content-length" && key !== "content-encoding" && key !== "transfer-encoding" && key !== "connection") outHeaders[key] = value;
      });
      res.writeHead(upstream.status, outHeaders);
      res.end(text);
    } catch {
      res.destroy();
    }
  });
  proxy.url = `http://127.0.0.1:${await listenOnLoopback(server)}`;
  const untrack = trackIssuer(() => proxy.secrets);
  proxy.close = () => {
    untrack();
    return stopServer(server);
  };
  return proxy;
}
