/**
 * Request validation straight from Cronicorn's OpenAPI document: the operation's query parameters
 * (coerced from text, as the service's zod `coerce` does) and JSON body are checked with ajv, and
 * failures answer the service's 422 ZodError shape. Routes the document does not cover (devices,
 * subscriptions) pass through. Business rules (free tier, cron syntax) stay in the routes.
 */
import type { Context, MiddlewareHandler } from "hono";
import type { ApiEnv } from "./authn.js";
import { check, findOperation } from "./openapi.js";
import { ApiProblem, issuesFromAjv, validationFailed } from "./problems.js";

export function validateAgainstContract(): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const found = findOperation(c.req.method, c.req.path);
    if (!found) return next();
    const { operation } = found;
    const query: Record<string, unknown> = { ...c.req.query() };
    const queryVerdict = check(operation.query, query, { coerce: true });
    if (!queryVerdict.ok) throw validationFailed(issuesFromAjv(queryVerdict.errors));
    c.set("query", query);
    if (operation.body) {
      const body = await readJson(c);
      const bodyVerdict = check(operation.body, body);
      if (!bodyVerdict.ok) throw validationFailed(issuesFromAjv(bodyVerdict.errors));
      c.set("body", body);
    }
    await next();
  };
}

/** The JSON body, `{}` when there is none; malformed JSON is refused as hono's validator does. */
async function readJson(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === "") return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ApiProblem(400, "Malformed JSON in request body");
  }
}
