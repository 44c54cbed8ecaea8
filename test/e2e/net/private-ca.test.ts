/**
 * A Cronicorn behind a private certificate authority: the built server trusts it through
 * NODE_EXTRA_CA_CERTS (undici's TLS uses Node's CA store, which includes it), and without it the
 * tool error names the variable to set. The CA is generated at test time with openssl.
 */
import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCronicornStandIn } from "../../stack/cronicorn.js";
import type { StandIn } from "../../stack/cronicorn.js";
import { startServer, textOf, valueOf } from "../../helpers/mcp.js";
import { startTinyproxy } from "../../helpers/net/forward-proxy.js";
import { makePrivateCa, startHttpsFront } from "../../helpers/net/tls.js";
import type { PrivateCa } from "../../helpers/net/tls.js";

describe("a Cronicorn API behind a private CA", () => {
  let stand: StandIn;
  let ca: PrivateCa;
  let front: Awaited<ReturnType<typeof startHttpsFront>>;

  beforeAll(async () => {
    stand = await startCronicornStandIn();
    ca = makePrivateCa();
    front = await startHttpsFront(ca, stand.webUrl);
  });
  afterAll(async () => {
    await front?.close();
    await stand?.close();
    if (ca) fs.rmSync(ca.dir, { recursive: true, force: true });
  });

  const serverWith = (extra: Record<string, string>) =>
    startServer({ env: { CRONICORN_API_URL: `${front.origin}/api`, CRONICORN_API_KEY: stand.apiKey, CRONICORN_TIMEOUT_MS: "5000", ...extra } });

  it("works over https when NODE_EXTRA_CA_CERTS names the CA", async () => {
    const server = await serverWith({ NODE_EXTRA_CA_CERTS: ca.caFile });
    try {
      expect(valueOf<unknown[]>(await server.call("list_jobs"), "jobs")).toBeInstanceOf(Array);
      expect(stand.requests.some((r) => r.path === "/api/jobs" && r.status === 200)).toBe(true);
    } finally {
      await server.close();
    }
  });

  it("tunnels https through HTTPS_PROXY (CONNECT), still trusting the private CA", async () => {
    const proxy = await startTinyproxy();
    const server = await serverWith({ NODE_EXTRA_CA_CERTS: ca.caFile, HTTPS_PROXY: proxy.url });
    try {
      expect(valueOf<unknown[]>(await server.call("list_jobs"), "jobs")).toBeInstanceOf(Array);
      expect(proxy.requests()).toContain(`CONNECT ${new URL(front.origin).host}`);
    } finally {
      await server.close();
      await proxy.close();
    }
  });

  it("names NODE_EXTRA_CA_CERTS when the certificate is not trusted", async () => {
    const server = await serverWith({});
    try {
      const result = await server.call("list_jobs");
      expect(result.isError).toBe(true);
      expect(textOf(result)).toMatch(/not trusted.*set NODE_EXTRA_CA_CERTS to that CA's PEM file/);
      expect(textOf(result)).not.toMatch(/Cannot reach/);
    } finally {
      await server.close();
    }
  });
});
