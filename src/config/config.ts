/**
 * Environment → one validated, frozen Config. A bad value never stops the server: `loadConfig`
 * reports problems instead of throwing, so the server can still answer the MCP handshake and
 * return the problem from every tool call, where the user can see it.
 */
// zod/mini: the same validation with a fraction of the code to load, since this runs before the
// first answer to the client (the full zod loads later, with the tools).
import * as z from "zod/mini";
import { isSecureOrLoopback } from "../core/urls.js";
import { resolveConfigDir } from "./config-dir.js";

/** Why `raw` cannot be a base URL, or undefined when it can. Never throws: a bad value must not stop the handshake. */
export function baseUrlProblem(name: string, raw: string): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return `${name} must be a full URL such as https://cronicorn.com/api`;
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return `${name} must be a full URL such as https://cronicorn.com/api`;
  if (!isSecureOrLoopback(url)) return `${name} must use https (plain http is allowed only for 127.0.0.1/localhost)`;
  // A password here would be sent as Basic auth and shown in results; a query or fragment breaks every path built on it.
  if (url.username !== "" || url.password !== "") return `${name} must not contain a user name or password (user:password@): remove them`;
  // Tested on the text: a lone "?" or "#" leaves the parsed URL's search and hash empty.
  if (raw.includes("?")) return `${name} must not contain a query (?…): remove it`;
  if (raw.includes("#")) return `${name} must not contain a fragment (#…): remove it`;
  return undefined;
}

const httpUrl = (name: string) =>
  z.pipe(
    z.string().check(
      z.trim(),
      z.superRefine((v, ctx) => {
        const problem = baseUrlProblem(name, v);
        if (problem) ctx.addIssue({ code: "custom", message: problem, input: v });
      }),
    ),
    z.transform((v) => v.replace(/\/+$/, "")),
  );

const flag = z.pipe(
  z.string().check(
    z.trim(),
    z.toLowerCase(),
    z.refine((v) => ["0", "1", "true", "false", "yes", "no"].includes(v), "must be 1/0, true/false or yes/no"),
  ),
  z.transform((v) => ["1", "true", "yes"].includes(v)),
);

const nonEmpty = () => z.string().check(z.trim(), z.minLength(1));

const positiveInt = (name: string) =>
  z.coerce.number({ error: `${name} must be a number` }).check(z.int(`${name} must be a whole number`), z.positive(`${name} must be greater than 0`));

/** Node fires a timer of 2^31 ms or more after 1 ms: every request would time out at once. An hour is more than any call needs. */
const MAX_TIMEOUT_MS = 3_600_000;
const timeoutMs = (name: string) => positiveInt(name).check(z.maximum(MAX_TIMEOUT_MS, `${name} must be at most ${MAX_TIMEOUT_MS} (one hour)`));

export const TOOL_GROUPS = ["jobs", "endpoints", "scheduling", "runs", "account"] as const;
export type ToolGroup = (typeof TOOL_GROUPS)[number];

const envSchema = z.object({
  CRONICORN_API_URL: z._default(httpUrl("CRONICORN_API_URL"), "https://cronicorn.com/api"),
  CRONICORN_WEB_URL: z._default(httpUrl("CRONICORN_WEB_URL"), "https://cronicorn.com"),
  CRONICORN_ISSUER: z.optional(httpUrl("CRONICORN_ISSUER")),
  CRONICORN_API_KEY: z.optional(nonEmpty()),
  CRONICORN_LOG_LEVEL: z._default(z.enum(["debug", "info", "warn", "error", "silent"]), "info"),
  CRONICORN_CLIENT_ID: z._default(nonEmpty(), "cronicorn-mcp"),
  CRONICORN_SCOPE: z.optional(nonEmpty()),
  CRONICORN_AUTH_FLOW: z._default(z.enum(["auto", "device", "pkce"]), "auto"),
  CRONICORN_LOGIN_WAIT_S: z._default(z.coerce.number({ error: "CRONICORN_LOGIN_WAIT_S must be a number" }).check(z.minimum(0), z.maximum(600)), 45),
  CRONICORN_SIGNIN_TIMEOUT_S: z._default(positiveInt("CRONICORN_SIGNIN_TIMEOUT_S").check(z.maximum(3600)), 1800),
  CRONICORN_DEVICE_POLL_FLOOR_S: z._default(
    positiveInt("CRONICORN_DEVICE_POLL_FLOOR_S").check(z.maximum(5, "CRONICORN_DEVICE_POLL_FLOOR_S must be at most 5")),
    5,
  ),
  CRONICORN_NO_BROWSER: z._default(flag, false),
  CRONICORN_TOKEN_STORE: z._default(z.enum(["auto", "keychain", "file"]), "auto"),
  CRONICORN_CONFIG_DIR: z.optional(nonEmpty()),
  CRONICORN_TIMEOUT_MS: z._default(timeoutMs("CRONICORN_TIMEOUT_MS"), 30_000),
  CRONICORN_REFRESH_SKEW_S: z._default(z.coerce.number().check(z.minimum(0)), 300),
  CRONICORN_KEYCHAIN_TIMEOUT_MS: z._default(timeoutMs("CRONICORN_KEYCHAIN_TIMEOUT_MS"), 3_000),
  CRONICORN_READ_ONLY: z._default(flag, false),
  CRONICORN_CONFIRM: z._default(z.enum(["destructive", "never"]), "destructive"),
  CRONICORN_TOOLS: z.optional(
    z.pipe(
      z.pipe(
        z.string().check(z.trim()),
        z.transform((v) =>
          v
            .split(",")
            .map((s) => s.trim().toLowerCase())
            .filter(Boolean),
        ),
      ),
      z.array(z.enum(TOOL_GROUPS, { error: `CRONICORN_TOOLS takes a comma list of: ${TOOL_GROUPS.join(", ")}` })),
    ),
  ),
});

export interface Config {
  apiUrl: string;
  /** scheme://host[:port] of the API: the key of the credential record. */
  apiOrigin: string;
  webUrl: string;
  /** Cronicorn's own device-approval page (`{web}/device/approve`), when the web app is known for this API. */
  deviceApprovalUrl: string | undefined;
  /** Where OAuth metadata is looked up (RFC 8414); defaults to the API origin. */
  issuer: string;
  apiKey: string | undefined;
  logLevel: "debug" | "info" | "warn" | "error" | "silent";
  clientId: string;
  scope: string | undefined;
  authFlow: "auto" | "device" | "pkce";
  loginWaitMs: number;
  /** How long a started sign-in (browser callback) stays valid. */
  signInTimeoutMs: number;
  /** The shortest wait between two polls of a device sign-in, whatever the server says (1–5 s; RFC 8628's 5 by default). */
  devicePollFloorS: number;
  noBrowser: boolean;
  tokenStore: "auto" | "keychain" | "file";
  configDir: string;
  requestTimeoutMs: number;
  refreshSkewMs: number;
  keychainTimeoutMs: number;
  readOnly: boolean;
  /** Ask the user (form elicitation) before a destructive tool runs: "destructive" (default) or "never". */
  confirm: "destructive" | "never";
  /** Tool groups to expose; undefined means all. */
  toolGroups: readonly ToolGroup[] | undefined;
}

export type ConfigResult = { ok: true; config: Readonly<Config> } | { ok: false; problems: string[] };

export interface ConfigOverrides {
  readOnly?: boolean;
  toolGroups?: string;
}

/** `platform` decides how paths and home folders are read; this machine's unless a test names another. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: ConfigOverrides = {}, platform: NodeJS.Platform = process.platform): ConfigResult {
  const raw: Record<string, string | undefined> = {};
  for (const key of Object.keys(envSchema.shape)) {
    const value = env[key];
    // An empty variable (common in client config snippets) means "not set".
    if (value !== undefined && value.trim() !== "") raw[key] = value;
  }
  if (overrides.readOnly) raw.CRONICORN_READ_ONLY = "1";
  if (overrides.toolGroups !== undefined) raw.CRONICORN_TOOLS = overrides.toolGroups;

  const parsed = envSchema.safeParse(raw);
  const configDir = resolveConfigDir(raw.CRONICORN_CONFIG_DIR?.trim(), env, platform);
  if (!parsed.success || !configDir.ok) {
    return {
      ok: false,
      problems: [
        ...(parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join(".") || "environment"}: ${issue.message}`)),
        ...(configDir.ok ? [] : [configDir.problem]),
      ],
    };
  }
  const e = parsed.data;
  const apiOrigin = new URL(e.CRONICORN_API_URL).origin;
  // The web app is known when it was configured, or when the API is on the default web app's origin
  // (Cronicorn's own cloud).
  const webKnown = raw.CRONICORN_WEB_URL !== undefined || apiOrigin === new URL(e.CRONICORN_WEB_URL).origin;
  return {
    ok: true,
    config: Object.freeze({
      apiUrl: e.CRONICORN_API_URL,
      apiOrigin,
      webUrl: e.CRONICORN_WEB_URL,
      deviceApprovalUrl: webKnown ? `${e.CRONICORN_WEB_URL}/device/approve` : undefined,
      issuer: e.CRONICORN_ISSUER ?? apiOrigin,
      apiKey: e.CRONICORN_API_KEY,
      logLevel: e.CRONICORN_LOG_LEVEL,
      clientId: e.CRONICORN_CLIENT_ID,
      scope: e.CRONICORN_SCOPE,
      authFlow: e.CRONICORN_AUTH_FLOW,
      loginWaitMs: Math.round(e.CRONICORN_LOGIN_WAIT_S * 1000),
      signInTimeoutMs: e.CRONICORN_SIGNIN_TIMEOUT_S * 1000,
      devicePollFloorS: e.CRONICORN_DEVICE_POLL_FLOOR_S,
      noBrowser: e.CRONICORN_NO_BROWSER,
      tokenStore: e.CRONICORN_TOKEN_STORE,
      configDir: configDir.dir,
      requestTimeoutMs: e.CRONICORN_TIMEOUT_MS,
      refreshSkewMs: Math.round(e.CRONICORN_REFRESH_SKEW_S * 1000),
      keychainTimeoutMs: e.CRONICORN_KEYCHAIN_TIMEOUT_MS,
      readOnly: e.CRONICORN_READ_ONLY,
      confirm: e.CRONICORN_CONFIRM,
      toolGroups: e.CRONICORN_TOOLS && e.CRONICORN_TOOLS.length > 0 ? Object.freeze([...e.CRONICORN_TOOLS]) : undefined,
    }),
  };
}
