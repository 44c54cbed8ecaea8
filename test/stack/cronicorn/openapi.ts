/**
 * Cronicorn's own OpenAPI 3.0 document (as served by its `GET /api/doc`, prose removed), compiled
 * with ajv. The stand-in validates requests with it and the contract tests validate tools and
 * responses with it, so the rules live in one place: the service's published contract.
 */
import { readFileSync } from "node:fs";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { default as addFormatsModule } from "ajv-formats";

// ajv-formats is CommonJS: its default export arrives wrapped under ESM.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

export type JsonSchema = Record<string, unknown>;

interface Parameter {
  name: string;
  in: "path" | "query" | "header";
  required?: boolean;
  schema: JsonSchema;
}

interface RawOperation {
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content: { "application/json": { schema: JsonSchema } } };
  responses: Record<string, { content?: { "application/json"?: { schema: JsonSchema } } }>;
}

interface Document {
  paths: Record<string, Record<string, RawOperation>>;
}

export interface Operation {
  method: string;
  /** As the document writes it, e.g. "/api/jobs/:jobId/endpoints/:id". */
  path: string;
  pathParams: string[];
  /** JSON schema (draft-07) of the query as one object; `required` lists the required parameters. */
  query: JsonSchema;
  /** JSON schema of the request body, when the operation takes one. */
  body?: JsonSchema;
  bodyRequired: boolean;
  /** Status → JSON schema of the body; null for bodiless answers such as 204. */
  responses: Record<string, JsonSchema | null>;
  matches(method: string, path: string): Record<string, string> | undefined;
}

export const DOCUMENT_PATH = new URL("./cronicorn-openapi.json", import.meta.url);
const document = JSON.parse(readFileSync(DOCUMENT_PATH, "utf8")) as Document;

/** OpenAPI 3.0's dialect → JSON Schema draft-07: `nullable` becomes a null type, boolean exclusive bounds become numbers. */
export function toJsonSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(toJsonSchema);
  if (!schema || typeof schema !== "object") return schema;
  const source = schema as JsonSchema;
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(source)) {
    if (key === "nullable" || key === "exclusiveMinimum" || key === "exclusiveMaximum") continue;
    out[key] = key === "properties" || key === "additionalProperties" || key === "items" ? mapChildren(key, value) : toJsonSchema(value);
  }
  if (source.exclusiveMinimum === true) {
    out.exclusiveMinimum = source.minimum;
    delete out.minimum;
  }
  if (source.exclusiveMaximum === true) {
    out.exclusiveMaximum = source.maximum;
    delete out.maximum;
  }
  if (source.nullable === true && typeof source.type === "string") {
    out.type = [source.type, "null"];
    if (Array.isArray(out.enum)) out.enum = [...(out.enum as unknown[]), null];
  }
  return out;
}

function mapChildren(key: string, value: unknown): unknown {
  if (key === "properties" && value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([name, child]) => [name, toJsonSchema(child)]));
  }
  return toJsonSchema(value);
}

function compileOperation(method: string, path: string, raw: RawOperation): Operation {
  const pathParams = [...path.matchAll(/:([A-Za-z]+)/g)].map((m) => m[1] as string);
  const pattern = new RegExp(`^${path.replace(/:[A-Za-z]+/g, "([^/]+)")}$`);
  const queryParams = (raw.parameters ?? []).filter((p) => p.in === "query");
  const query: JsonSchema = {
    type: "object",
    properties: Object.fromEntries(queryParams.map((p) => [p.name, toJsonSchema(p.schema)])),
    required: queryParams.filter((p) => p.required).map((p) => p.name),
  };
  const bodySchema = raw.requestBody?.content["application/json"].schema;
  const responses = Object.fromEntries(
    Object.entries(raw.responses).map(([status, response]) => {
      const schema = response.content?.["application/json"]?.schema;
      return [status, schema ? (toJsonSchema(schema) as JsonSchema) : null];
    }),
  );
  return {
    method: method.toUpperCase(),
    path,
    pathParams,
    query,
    ...(bodySchema ? { body: toJsonSchema(bodySchema) as JsonSchema } : {}),
    bodyRequired: raw.requestBody?.required === true,
    responses,
    matches(m, p) {
      if (m.toUpperCase() !== this.method) return undefined;
      const found = pattern.exec(p);
      if (!found) return undefined;
      return Object.fromEntries(pathParams.map((name, i) => [name, decodeURIComponent(found[i + 1] as string)]));
    },
  };
}

export const operations: Operation[] = Object.entries(document.paths).flatMap(([path, methods]) =>
  Object.entries(methods).map(([method, raw]) => compileOperation(method, path, raw)),
);

/** The operation serving `method path` (path with the /api prefix), with its path parameters. */
export function findOperation(method: string, path: string): { operation: Operation; params: Record<string, string> } | undefined {
  for (const operation of operations) {
    const params = operation.matches(method, path);
    if (params) return { operation, params };
  }
  return undefined;
}

function newAjv(coerceTypes: boolean): Ajv {
  // strict off: the document carries OpenAPI-only keywords (e.g. `example` leftovers, `default` on params).
  return addFormats(new Ajv({ allErrors: true, strict: false, coerceTypes }));
}

// Query strings arrive as text: coerce them the way the service's zod `coerce` does. Bodies are JSON: no coercion.
const queryAjv = newAjv(true);
const strictAjv = newAjv(false);
const cache = new WeakMap<JsonSchema, ValidateFunction>();

function validatorFor(schema: JsonSchema, coerce: boolean): ValidateFunction {
  let validate = cache.get(schema);
  if (!validate) {
    validate = (coerce ? queryAjv : strictAjv).compile(schema);
    cache.set(schema, validate);
  }
  return validate;
}

export interface Verdict {
  ok: boolean;
  errors: ErrorObject[];
}

/** Validates (and, for queries, coerces in place) `value` against `schema`. */
export function check(schema: JsonSchema, value: unknown, { coerce = false } = {}): Verdict {
  const validate = validatorFor(schema, coerce);
  const ok = validate(value);
  return { ok, errors: ok ? [] : [...(validate.errors ?? [])] };
}
