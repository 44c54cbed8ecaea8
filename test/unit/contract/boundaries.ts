/**
 * Boundary inputs generated from a tool's own JSON Schema: integers at their bounds (and just inside
 * exclusive ones), a fraction for plain numbers, every enum value, shortest and longest strings, each
 * format's extremes. Fields whose rules JSON Schema cannot carry (cron syntax) get seeds.
 */
type Schema = Record<string, unknown>;

const SEEDS: Record<string, unknown[]> = {
  baselineCron: ["*/5 * * * *", "0 9 * * 1-5"],
};

const num = (value: unknown): number | undefined => (typeof value === "number" ? value : undefined);

export function candidates(name: string, schema: Schema): unknown[] {
  const seeded = SEEDS[name];
  if (seeded) return seeded;
  if (Array.isArray(schema.enum)) return schema.enum as unknown[];
  if ("const" in schema) return [schema.const];
  if (Array.isArray(schema.anyOf)) return (schema.anyOf as Schema[]).flatMap((option) => candidates(name, option));
  switch (schema.type) {
    case "integer":
      return unique([low(schema, 1), high(schema, 1)]);
    case "number": {
      const lo = low(schema, 0.001);
      return unique([lo, lo + 0.5, high(schema, 0.001)]);
    }
    case "string":
      return strings(schema);
    case "boolean":
      return [true, false];
    case "object":
      return [{ "x-probe": "1" }, {}];
    case "array":
      return [[]];
    default:
      // An unconstrained value (e.g. an endpoint's JSON body).
      return [{ probe: [1, "two", null] }, "text", 0, null];
  }
}

function low(schema: Schema, step: number): number {
  const exclusive = num(schema.exclusiveMinimum);
  return num(schema.minimum) ?? (exclusive === undefined ? -1_000_000 : exclusive + step);
}

function high(schema: Schema, step: number): number {
  const exclusive = num(schema.exclusiveMaximum);
  return num(schema.maximum) ?? (exclusive === undefined ? 2 ** 31 : exclusive - step);
}

function strings(schema: Schema): unknown[] {
  if (schema.format === "date-time") return ["2030-01-31T09:00:00Z", "2030-01-31T09:00:00.123+02:00"];
  if (schema.format === "uri") return ["https://example.com/health?x=1"];
  const shortest = "a".repeat(Math.max(num(schema.minLength) ?? 0, 0));
  const longest = num(schema.maxLength) === undefined ? undefined : "b".repeat(num(schema.maxLength) as number);
  // Ids travel in the path: a slash and a space must arrive encoded, not split the route.
  return unique([shortest, longest, "id/with space"].filter((v): v is string => v !== undefined));
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}

export interface Variant {
  label: string;
  args: Record<string, unknown>;
}

/**
 * Inputs the tool accepts: a minimal one (its required fields, completed by one optional field when
 * a cross-field rule asks for it, e.g. "a schedule is required"), then each field set to each of its
 * boundary values on the first minimal input that the tool accepts with it (so "give exactly one of
 * nextRunAt or nextRunInMs" still lets nextRunInMs be probed). Inputs the tool refuses are left out.
 */
export async function variants(schema: Schema, accepts: (args: Record<string, unknown>) => Promise<boolean>): Promise<Variant[]> {
  const properties = (schema.properties ?? {}) as Record<string, Schema>;
  const required = (schema.required ?? []) as string[];
  const requiredOnly: Record<string, unknown> = Object.fromEntries(required.map((name) => [name, candidates(name, properties[name] ?? {})[0]]));
  const bases: Record<string, unknown>[] = [];
  if (await accepts(requiredOnly)) bases.push(requiredOnly);
  for (const name of Object.keys(properties).filter((n) => !required.includes(n))) {
    for (const value of candidates(name, properties[name] ?? {})) {
      if (await accepts({ ...requiredOnly, [name]: value })) {
        bases.push({ ...requiredOnly, [name]: value });
        break;
      }
    }
  }
  const out: Variant[] = bases.slice(0, 1).map((args) => ({ label: "minimal", args }));
  for (const [name, property] of Object.entries(properties)) {
    for (const value of candidates(name, property)) {
      for (const base of [requiredOnly, ...bases]) {
        const args = { ...base, [name]: value };
        if (await accepts(args)) {
          out.push({ label: `${name}=${JSON.stringify(value)}`.slice(0, 80), args });
          break;
        }
      }
    }
  }
  return out;
}
