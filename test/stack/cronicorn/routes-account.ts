/** Account routes: dashboard stats, the webhook signing key, and connected devices (better-auth sessions). */
import { createHash, randomBytes } from "node:crypto";
import { Hono } from "hono";
import type { StandInAuth } from "./auth.js";
import type { ApiEnv } from "./authn.js";
import { dashboardStats } from "./dashboard.js";
import type { Store } from "./data.js";
import { conflict, notFound, orNotFound, parseOr400 } from "./problems.js";
import { dashboardQuery } from "./validation.js";

export function accountRoutes(store: Store, auth: StandInAuth): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();

  app.get("/dashboard/stats", (c) => {
    const filters = parseOr400(dashboardQuery, c.req.query());
    const userId = c.var.userId;
    return c.json(dashboardStats(store.jobsOf(userId), store.endpointsOf(userId), store.runsOf(userId), filters));
  });

  app.get("/signing-keys", (c) => {
    const key = store.signingKey(c.var.userId);
    return c.json({
      hasKey: key !== undefined,
      keyPrefix: key?.keyPrefix ?? null,
      createdAt: key?.createdAt.toISOString() ?? null,
      rotatedAt: key?.rotatedAt?.toISOString() ?? null,
    });
  });

  app.post("/signing-keys", (c) => {
    if (store.signingKey(c.var.userId)) throw conflict("Signing key already exists; rotate it instead");
    const { rawKey, keyPrefix, keyHash } = newSigningKey();
    store.setSigningKey({ userId: c.var.userId, keyHash, keyPrefix, createdAt: new Date() });
    return c.json({ rawKey, keyPrefix });
  });

  app.post("/signing-keys/rotate", (c) => {
    const existing = orNotFound(store.signingKey(c.var.userId));
    const { rawKey, keyPrefix, keyHash } = newSigningKey();
    store.setSigningKey({ ...existing, keyHash, keyPrefix, rotatedAt: new Date() });
    return c.json({ rawKey, keyPrefix });
  });

  app.get("/devices", async (c) => {
    const { internalAdapter } = await auth.$context;
    const sessions = await internalAdapter.listSessions(c.var.userId);
    // Cronicorn's route returns the session token too; the stand-in mirrors it so clients face it.
    const devices = sessions.map((session) => ({
      id: session.id,
      token: session.token,
      userAgent: session.userAgent ?? null,
      ipAddress: session.ipAddress ?? null,
      createdAt: new Date(session.createdAt).toISOString(),
      expiresAt: new Date(session.expiresAt).toISOString(),
    }));
    return c.json({ devices });
  });

  app.delete("/devices/:tokenId", async (c) => {
    const { internalAdapter } = await auth.$context;
    const sessions = await internalAdapter.listSessions(c.var.userId);
    const session = sessions.find((candidate) => candidate.id === c.req.param("tokenId"));
    if (!session) throw notFound();
    await internalAdapter.deleteSession(session.token);
    return c.json({ success: true });
  });

  return app;
}

/** Only the hash is kept: the raw key is shown once, as in Cronicorn. */
function newSigningKey(): { rawKey: string; keyPrefix: string; keyHash: string } {
  const rawKey = `whsec_${randomBytes(32).toString("hex")}`;
  return { rawKey, keyPrefix: rawKey.slice(0, 14), keyHash: createHash("sha256").update(rawKey).digest("hex") };
}
