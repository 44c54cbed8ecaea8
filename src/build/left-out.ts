/**
 * Stands in, in the bundle, for library code this server never runs (see src/build/leave-out.ts).
 * Reaching any of it means the assumption changed: fail loudly instead of misbehaving.
 */
const leftOut = (what: string): never => {
  throw new Error(`cronicorn-mcp was built without ${what}`);
};

/** zod-to-json-schema: the SDK converts zod v3 schemas with it; ours are all zod v4. */
export function zodToJsonSchema(): never {
  return leftOut("zod v3 support");
}

/** The SDK server checks form-elicitation answers with it; this server only uses URL elicitation. */
export class AjvJsonSchemaValidator {
  getValidator(): never {
    return leftOut("a JSON Schema validator (it asks for no form input)");
  }
}
