/**
 * get-session and sign-out carry a credential: neither follows a redirect (to another origin or any),
 * and a redirected sign-out is not reported as revoked. Deeply nested arguments are the caller's
 * problem, not "cannot reach". In process, against fake servers on 127.0.0.1.
 */
import { afterEach, describe, expect, it } from "vitest";
import { CronicornClient } from "../../../src/api/client.js";
import { revokeOnServer } from "../../../src/auth/flows/revoke.js";
import { whoAmI } from "../../../src/auth/whoami.js";
import type { CredentialRecord } from "../../../src/auth/store/types.js";
import { silentLogger } from "../../../src/core/log.js";
import { json, startFake } from "../../helpers/net/fake.js";
import type { FakeServer } from "../../helpers/net/fake.js";

const TOKEN = "bearer-token-0123456789";
const record = (issuer: string): CredentialRecord => ({
  access_token: TOKEN,
  expires_at: Date.now() + 3_600_000,
  token_type: "Bearer",
  issuer,
  client_id: "cronicorn-mcp",
  obtained_at: Date.now(),
  flow: "device",
});

describe("credentials never follow a redirect", () => {
  const fakes: FakeServer[] = [];
  afterEach(async () => {
    for (const fake of fakes.splice(0)) await fake.close();
  });
  async function redirecting(status: number) {
    const elsewhere = await startFake((_q, res) => json(res, 200, { user: { id: "u", email: "evil@example.com" } }));
    const api = await startFake((req, res) => res.writeHead(status, { location: `${elsewhere.origin}${req.url}` }).end());
    fakes.push(elsewhere, api);
    return { api, elsewhere };
  }

  it.each([302, 307])("get-session with an API key does not follow a %i, and learns nothing", async (status) => {
    const { api, elsewhere } = await redirecting(status);
    const who = await whoAmI(`${api.origin}/api`, { kind: "api-key", value: "api-key-0123456789" }, 2000);
    expect(who).toEqual({ state: "unknown" });
    expect(api.received).toHaveLength(1);
    expect(elsewhere.received).toEqual([]);
  });

  it.each([302, 307])("sign-out does not follow a %i and reports not revoked", async (status) => {
    const { api, elsewhere } = await redirecting(status);
    expect(await revokeOnServer(record(api.origin), `${api.origin}/api`, 2000)).toBe(false);
    expect(api.received.map((r) => r.path)).toEqual(["/api/auth/sign-out"]);
    expect(elsewhere.received).toEqual([]);
  });

  it("sign-out reports revoked only on a 2xx", async () => {
    const api = await startFake((_q, res) => json(res, 200, { success: true }));
    fakes.push(api);
    expect(await revokeOnServer(record(api.origin), `${api.origin}/api`, 2000)).toBe(true);
    expect(api.received[0]?.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });
});

describe("request arguments", () => {
  it("reports arguments nested too deeply to serialise as such, without sending anything", async () => {
    const api = await startFake((_q, res) => json(res, 200, {}));
    try {
      const client = new CronicornClient({
        apiUrl: `${api.origin}/api`,
        timeoutMs: 2000,
        authorizer: { credential: async () => ({ kind: "api-key", value: "k".repeat(12) }), unauthorized: async () => null },
        logger: silentLogger,
      });
      let deep: Record<string, unknown> = {};
      for (let i = 0; i < 100_000; i++) deep = { a: deep };
      const error = await client.request({ method: "POST", path: "/jobs", body: deep }).catch((e: unknown) => e);
      expect(String(error)).toMatch(/too deeply nested/);
      expect(String(error)).not.toMatch(/reach/i);
      expect(api.received).toEqual([]);
    } finally {
      await api.close();
    }
  });
});
