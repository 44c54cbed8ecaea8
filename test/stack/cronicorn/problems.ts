/**
 * Cronicorn's error bodies. Route code throws an ApiProblem; the app's error handler (api.ts)
 * turns it into the response, so every route answers errors in exactly the contract's shapes.
 */
import type { Context } from "hono";
import type { z } from "zod";

export class ApiProblem extends Error {
  constructor(
    readonly status: 400 | 401 | 404 | 409 | 500,
    readonly body: Record<string, unknown>,
  ) {
    super(typeof body.error === "string" ? body.error : `HTTP ${status}`);
  }
}

export const UNAUTHORIZED_BODY = { error: "Unauthorized - Valid session cookie, Bearer token, or API key required", status: 401 };
export const NOT_FOUND_BODY = { error: "Resource not found", status: 404 };
export const INTERNAL_ERROR_BODY = { error: "Internal server error" };

export const notFound = (): ApiProblem => new ApiProblem(404, NOT_FOUND_BODY);
/** The record, or the contract's 404 when the caller does not own one with that id. */
export function orNotFound<T>(record: T | undefined): T {
  if (record === undefined) throw notFound();
  return record;
}

export const conflict = (error: string): ApiProblem => new ApiProblem(409, { error, status: 409 });

export function validationFailed(issues: readonly unknown[]): ApiProblem {
  return new ApiProblem(400, { error: "Validation failed", issues });
}

/** Parses `input` or throws the contract's 400 with zod's issues. */
export function parseOr400<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const result = schema.safeParse(input);
  if (!result.success) throw validationFailed(result.error.issues);
  return result.data;
}

/** The JSON body, `{}` when there is none; malformed JSON is a 400 like any other invalid input. */
export async function readJsonBody(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === "") return {};
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw validationFailed([{ code: "invalid_json", path: [], message: `Malformed JSON in request body: ${(error as Error).message}` }]);
  }
}

