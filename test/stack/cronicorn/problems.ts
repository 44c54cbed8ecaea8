/**
 * Cronicorn's error answers as observed on 1.25.0 (docs/real-api-notes.md). Route code throws an
 * ApiProblem; the app's error handler turns it into the response:
 * - validation failures: 422 `{success: false, error: {name: "ZodError", issues}}`;
 * - business rules (free tier, bounds): text/plain, the text being the useful part;
 * - not found: 404 JSON `{message}`; conflict: 409 JSON `{message}`; 401: `{error, status}`.
 */
import type { ErrorObject } from "ajv";

type Status = 400 | 401 | 404 | 409 | 422 | 500;

export class ApiProblem extends Error {
  constructor(
    readonly status: Status,
    /** A JSON body, or a string sent as text/plain. */
    readonly body: Record<string, unknown> | string,
  ) {
    super(typeof body === "string" ? body : `HTTP ${status}`);
  }
}

export interface ZodIssue {
  code: string;
  path: Array<string | number>;
  message: string;
}

export const UNAUTHORIZED_BODY = { error: "Unauthorized - Valid session cookie, Bearer token, or API key required", status: 401 };
export const NOT_FOUND_BODY = { message: "Not Found" };
export const INTERNAL_ERROR_BODY = { message: "Internal Server Error" };

/** `what` as Cronicorn's handlers name it, e.g. "Job" → `{"message": "Job not found"}`. */
export const notFound = (what: string): ApiProblem => new ApiProblem(404, { message: `${what} not found` });

/** The record, or the 404 when the caller does not own one with that id. */
export function orNotFound<T>(record: T | undefined, what: string): T {
  if (record === undefined) throw notFound(what);
  return record;
}

export const conflict = (message: string): ApiProblem => new ApiProblem(409, { message });

/** A failure the service does not handle itself: its generic 500, saying nothing of the cause. */
export const internalError = (): ApiProblem => new ApiProblem(500, INTERNAL_ERROR_BODY);

/** A business rule refused the request: text/plain with the reason (status 400, as Cronicorn's handlers map them). */
export const refused = (reason: string): ApiProblem => new ApiProblem(400, reason);

export function validationFailed(issues: ZodIssue[]): ApiProblem {
  return new ApiProblem(422, { success: false, error: { name: "ZodError", issues } });
}

/** ajv's findings in zod's issue shape; `prefix` roots the path (a query parameter's name, or nothing for a body). */
export function issuesFromAjv(errors: ErrorObject[], prefix: Array<string | number> = []): ZodIssue[] {
  return errors.map((error) => {
    const path = [
      ...prefix,
      ...error.instancePath
        .split("/")
        .filter(Boolean)
        .map((part) => (/^\d+$/.test(part) ? Number(part) : part)),
    ];
    if (error.keyword === "required") path.push(String((error.params as { missingProperty: string }).missingProperty));
    return { code: ZOD_CODE[error.keyword] ?? "custom", path, message: error.message ?? "Invalid input" };
  });
}

const ZOD_CODE: Record<string, string> = {
  type: "invalid_type",
  required: "invalid_type",
  minimum: "too_small",
  exclusiveMinimum: "too_small",
  minLength: "too_small",
  maximum: "too_big",
  exclusiveMaximum: "too_big",
  maxLength: "too_big",
  enum: "invalid_value",
  format: "invalid_format",
};
