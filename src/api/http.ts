/**
 * A minimal HTTP(S) exchange over Node's own http/https with keep-alive agents. The API client uses it
 * instead of fetch: for the small JSON requests an MCP tool makes, it costs measurably less per call
 * (see `npm run bench`), and every tool call pays that cost.
 */
import http from "node:http";
import https from "node:https";

export interface HttpResponse {
  status: number;
  header(name: string): string | undefined;
  text: string;
}

export interface HttpRequest {
  method: string;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
}

const agents = {
  "http:": new http.Agent({ keepAlive: true }),
  "https:": new https.Agent({ keepAlive: true }),
};

/**
 * Rejects with an error whose `code` names a network failure, or whose name is "TimeoutError".
 * A request that fails because the server had just closed the idle keep-alive connection it was
 * sent on never reached the server, so it is sent once more on a fresh connection (any method).
 */
export async function exchange(url: URL, request: HttpRequest): Promise<HttpResponse> {
  try {
    return await exchangeOnce(url, request);
  } catch (error) {
    if (error instanceof StaleConnectionError) return exchangeOnce(url, request);
    throw error;
  }
}

class StaleConnectionError extends Error {
  override readonly name = "StaleConnectionError";
}

function exchangeOnce(url: URL, request: HttpRequest): Promise<HttpResponse> {
  const transport = url.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const headers = request.body === undefined ? request.headers : { ...request.headers, "content-length": String(Buffer.byteLength(request.body)) };
    const req = transport.request(url, { method: request.method, headers, agent: agents[url.protocol as "http:" | "https:"] }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("error", reject);
      res.on("end", () => {
        resolve({
          status: res.statusCode ?? 0,
          header: (name) => {
            const value = res.headers[name.toLowerCase()];
            return Array.isArray(value) ? value[0] : value;
          },
          text: Buffer.concat(chunks).toString("utf8"),
        });
      });
    });
    // One deadline for the whole exchange, connection to last byte.
    const timer = setTimeout(() => {
      const error = new Error(`timed out after ${request.timeoutMs} ms`);
      error.name = "TimeoutError";
      req.destroy(error);
    }, request.timeoutMs);
    req.on("close", () => clearTimeout(timer));
    req.on("error", (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(req.reusedSocket && error.code === "ECONNRESET" ? new StaleConnectionError(error.message, { cause: error }) : error);
    });
    req.end(request.body);
  });
}
