/** The Cronicorn API under /api (everything but /api/auth): authentication, validation from the OpenAPI document, then the route modules. */
import { Hono } from "hono";
import type { StandInAuth } from "./auth.js";
import { authenticate, type ApiEnv } from "./authn.js";
import type { Store } from "./data.js";
import { accountRoutes } from "./routes-account.js";
import { endpointRoutes } from "./routes-endpoints.js";
import { jobRoutes } from "./routes-jobs.js";
import { validateAgainstContract } from "./request-validation.js";
import { runRoutes } from "./routes-runs.js";
import { schedulingRoutes } from "./routes-scheduling.js";
import type { StandInOptions } from "./types.js";

export interface ApiDeps {
  auth: StandInAuth;
  store: Store;
  verifyExternalToken: StandInOptions["verifyExternalToken"];
  /** Aborted when the stand-in closes. */
  stop: AbortSignal;
}

export function cronicornApi({ auth, store, verifyExternalToken, stop }: ApiDeps): Hono<ApiEnv> {
  const api = new Hono<ApiEnv>();
  api.use("*", authenticate(auth, verifyExternalToken));
  api.use("*", validateAgainstContract());
  api.route("/", jobRoutes(store));
  api.route("/", endpointRoutes(store));
  api.route("/", schedulingRoutes(store));
  api.route("/", runRoutes(store, stop));
  api.route("/", accountRoutes(store, auth));
  return api;
}
