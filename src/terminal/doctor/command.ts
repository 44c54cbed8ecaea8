/**
 * `cronicorn-mcp doctor [--json]`: every check in order, one line each, saying OK or what to do.
 * Exit code 1 when any check failed, 0 otherwise (warnings included), so scripts can gate on it.
 */
import pkg from "../../../package.json" with { type: "json" };
import { loadConfig, type Config, type ConfigOverrides } from "../../config/config.js";

import { send } from "../../net/fetch.js";
import { whoAmI } from "../../auth/whoami.js";
import { checkNodeOnPath, checkNodeVersion } from "./node.js";
import { checkNetwork } from "./network.js";
import { failed, formatJson, formatText } from "./report.js";
import { checkConfigFolder, checkSignedIn, checkStore } from "./store.js";
import { check, type CheckResult } from "./types.js";
import { credentialHeaders, type Credential } from "../../auth/credential.js";

/**
 * true/false when the API accepts/rejects the credential; undefined when it could not tell. A plain
 * authenticated read: better-auth's get-session answers 200 null to an unknown token, not 401.
 */
async function credentialAccepted(apiUrl: string, credential: Credential, timeoutMs: number): Promise<boolean | undefined> {
  try {
    // The server's own transport: the credential never follows a redirect, the answer is capped.
    const response = await send(`${apiUrl}/jobs?status=archived`, {
      method: "GET",
      headers: { accept: "application/json", ...credentialHeaders(credential) },
      timeoutMs,
    });
    if (response.status === 401) return false;
    return response.status >= 200 && response.status < 300 ? true : undefined;
  } catch {
    return undefined;
  }
}

/** A sign-in line for a credential Cronicorn could not be asked about: what is saved here, and that it is unverified. */
function unverified(line: CheckResult, config: Config, why: string): CheckResult {
  const saved = config.apiKey ? "CRONICORN_API_KEY is set" : `saved locally: ${line.detail}`;
  const verify = "Run `cronicorn-mcp doctor` again once the API is reachable, to check that Cronicorn accepts it.";
  return check(line.id, line.title, "warn", `${saved}; not verified: ${why}`, line.fix ? `${line.fix} ${verify}` : verify);
}

/** Each network step gets at most this long: doctor must finish even when everything hangs. */
const STEP_TIMEOUT_MS = 10_000;

/** The report to print and the exit code (the CLI prints: src/ has no console). */
export async function runDoctor(env: NodeJS.ProcessEnv, overrides: ConfigOverrides, json: boolean): Promise<{ output: string; exitCode: number }> {
  const results = await diagnose(env, overrides);
  return { output: json ? formatJson(results) : formatText(results), exitCode: failed(results) ? 1 : 0 };
}

export async function diagnose(env: NodeJS.ProcessEnv, overrides: ConfigOverrides = {}, now: () => number = Date.now): Promise<CheckResult[]> {
  const engines = pkg.engines.node;
  const results: CheckResult[] = [
    checkNodeVersion(process.version, engines),
    await checkNodeOnPath({ execPath: process.execPath, envPath: env.PATH ?? "", engines }),
  ];
  const loaded = loadConfig(env, overrides);
  if (!loaded.ok) {
    results.push(
      check(
        "config",
        "configuration",
        "fail",
        loaded.problems.join("; "),
        "Fix the environment variables named here in your MCP client's config (or your shell).",
      ),
    );
    return results;
  }
  const config = loaded.config;
  results.push(
    check(
      "config",
      "configuration",
      "ok",
      `tool groups: ${config.toolGroups?.join(", ") ?? "all"}${config.readOnly ? ", read-only" : ""}; sign-in flow: ${config.apiKey ? "API key" : config.authFlow}`,
    ),
  );
  results.push(await checkConfigFolder(config));
  const store = await checkStore(config);
  results.push(store.result);
  const timeoutMs = Math.min(config.requestTimeoutMs, STEP_TIMEOUT_MS);
  const network = await checkNetwork({ config, env, timeoutMs, now });
  results.push(...network);

  let signedIn = checkSignedIn(config, store.record, now());
  const reachable = network.find((r) => r.id === "api")?.status === "ok";
  // Ask the server whether it still accepts the credential (it may have been revoked elsewhere);
  // a credential it could not be asked about is not called OK.
  if (signedIn.status !== "fail" && (config.apiKey || store.record)) {
    const credential: Credential = config.apiKey ? { kind: "api-key", value: config.apiKey } : { kind: "bearer", value: store.record?.access_token ?? "" };
    const accepted = reachable ? await credentialAccepted(config.apiUrl, credential, timeoutMs) : undefined;
    if (accepted === undefined) {
      signedIn = unverified(signedIn, config, reachable ? "Cronicorn's answer did not say" : "Cronicorn could not be reached");
    } else if (accepted === false) {
      signedIn = config.apiKey
        ? check(
            "sign-in",
            "sign-in",
            "fail",
            "Cronicorn rejects CRONICORN_API_KEY",
            "Create a new API key in the Cronicorn dashboard and put it in CRONICORN_API_KEY.",
          )
        : check("sign-in", "sign-in", "fail", "Cronicorn no longer accepts the saved sign-in", "Run `cronicorn-mcp login --force` to sign in again.");
    } else if (credential.kind === "bearer") {
      const who = await whoAmI(config.apiUrl, credential, timeoutMs);
      if (who.state === "known" && (who.user.email ?? who.user.name))
        signedIn = { ...signedIn, detail: `${signedIn.detail}; as ${who.user.email ?? who.user.name}` };
    }
  }
  results.push(signedIn);
  return results;
}
