/**
 * The whole stand-in as one Hono app, in request order: log → faults → better-auth (/api/auth/*,
 * passed through untouched) → web approval page → CSRF guard → Cronicorn API. Errors become the
 * service's bodies (problems.ts).
 */
import { Hono } from "hono";
import { csrf } from "hono/csrf";
import { HTTPException } from "hono/http-exception";
import type { HttpBindings } from "@hono/node-server";
import { cronicornApi, type ApiDeps } from "./api.js";
import { approvalPage } from "./approval-page.js";
import { faultMiddleware, type Faults } from "./faults.js";
import { ApiProblem, INTERNAL_ERROR_BODY, NOT_FOUND_BODY } from "./problems.js";
import { requestLogMiddleware } from "./request-log.js";
import type { RequestRecord } from "./types.js";
import type { UserActions } from "./user-actions.js";

export interface AppDeps extends ApiDeps {
  faults: Faults;
  requests: () => RequestRecord[];
  actions: UserActions;
  userEmail: string;
  /** The web app's origin: the only one hono's csrf() lets through without a JSON content type. */
  webUrl: string;
}

export function standInApp(deps: AppDeps): Hono<{ Bindings: HttpBindings }> {
  const app = new Hono<{ Bindings: HttpBindings }>();
  app.use("*", requestLogMiddleware(deps.requests));
  app.use("*", faultMiddleware(deps.faults, deps.stop));
  // Mounted as-is: clients must meet better-auth's own answers (e.g. 415 for form bodies).
  app.all("/api/auth/*", (c) => deps.auth.handler(c.req.raw));
  app.route("/", approvalPage(deps.actions, deps.userEmail));
  // Cronicorn runs hono's csrf() with origin = its web app: a non-GET without a JSON content type
  // (even bodiless) counts as a form post and gets 403 "Forbidden" as text/plain.
  const csrfGuard = csrf({ origin: deps.webUrl });
  app.use("/api/*", (c, next) => (c.req.path.startsWith("/api/auth/") ? next() : csrfGuard(c, next)));
  app.route("/api", cronicornApi(deps));

  app.notFound((c) => c.json(NOT_FOUND_BODY, 404));
  app.onError((error, c) => {
    if (error instanceof ApiProblem) return typeof error.body === "string" ? c.text(error.body, error.status) : c.json(error.body, error.status);
    if (error instanceof HTTPException) return error.getResponse();
    // An unexpected failure is a stand-in bug: say so loudly, answer like Cronicorn would.
    console.error("[cronicorn stand-in] internal error:", error);
    return c.json(INTERNAL_ERROR_BODY, 500);
  });
  return app;
}
