/**
 * The folder credentials are kept in, always absolute. An MCP client starts the server in a folder of
 * its choosing (often the user's project) and no shell reads its config: a relative path, `~`, `$VAR`
 * or `%VAR%` taken as written would put credentials.json into that project while status names
 * ~/.cronicorn. So `~` and (on Windows) `%VAR%` are expanded as the platform would, and everything
 * else that is not absolute is refused with the variable named.
 */
import os from "node:os";
import path from "node:path";

export type ConfigDir = { ok: true; dir: string } | { ok: false; problem: string };

const VARIABLE = "CRONICORN_CONFIG_DIR";

/** The variable the platform keeps the user's home folder in. */
const homeVariable = (platform: NodeJS.Platform): string => (platform === "win32" ? "USERPROFILE" : "HOME");

/** A variable of `env`; on Windows names are case-insensitive. */
function lookup(env: NodeJS.ProcessEnv, name: string, platform: NodeJS.Platform): string | undefined {
  if (platform !== "win32") return env[name];
  const key = Object.keys(env).find((k) => k.toUpperCase() === name.toUpperCase());
  return key === undefined ? undefined : env[key];
}

/** The home folder from `env` (the OS account's when the variable is unset), or why there is none. */
function homeOf(env: NodeJS.ProcessEnv, platform: NodeJS.Platform): ConfigDir {
  const name = homeVariable(platform);
  const value = lookup(env, name, platform) ?? os.homedir();
  const paths = platform === "win32" ? path.win32 : path.posix;
  if (paths.isAbsolute(value)) return { ok: true, dir: value };
  const what = value === "" ? "is empty" : `"${value}" is not an absolute path`;
  return {
    ok: false,
    problem: `${name}: ${what}, so ~/.cronicorn has no home folder to be in: set ${name} to your home folder, or ${VARIABLE} to an absolute path`,
  };
}

/** `%NAME%` expanded from `env` (Windows' meaning), or the first name that is not set. */
function expandPercent(raw: string, env: NodeJS.ProcessEnv): ConfigDir {
  let missing: string | undefined;
  const dir = raw.replace(/%([^%\\/]+)%/g, (whole, name: string) => {
    const value = lookup(env, name, "win32");
    if (value === undefined || value === "") missing ??= whole;
    return value ?? whole;
  });
  return missing
    ? { ok: false, problem: `${VARIABLE}: "${raw}" names ${missing}, which is not set in the server's environment: use an absolute path` }
    : { ok: true, dir };
}

/** CRONICORN_CONFIG_DIR (trimmed, or undefined when unset) → an absolute folder, or the problem naming the variable. */
export function resolveConfigDir(raw: string | undefined, env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): ConfigDir {
  const paths = platform === "win32" ? path.win32 : path.posix;
  if (raw === undefined) {
    const home = homeOf(env, platform);
    return home.ok ? { ok: true, dir: paths.join(home.dir, ".cronicorn") } : home;
  }
  // Upper-case names only: Windows folders such as $Recycle.Bin are real names, not variables.
  const shellVariable = /\$\{[A-Za-z_][A-Za-z0-9_]*\}|\$[A-Z_][A-Z0-9_]*(?![a-z])/.exec(raw);
  if (shellVariable) {
    return {
      ok: false,
      problem: `${VARIABLE}: "${raw}" contains ${shellVariable[0]}, which only a shell expands (and no shell reads this setting): use an absolute path`,
    };
  }
  let dir = raw;
  const percent = /%[^%\\/]+%/.exec(raw);
  if (percent) {
    if (platform !== "win32") {
      return {
        ok: false,
        problem: `${VARIABLE}: "${raw}" contains ${percent[0]}, which only Windows expands (and nothing expands it here): use an absolute path`,
      };
    }
    const expanded = expandPercent(raw, env);
    if (!expanded.ok) return expanded;
    dir = expanded.dir;
  }
  const tilde = /^~([^/\\]*)/.exec(dir);
  if (tilde) {
    if (tilde[1]) return { ok: false, problem: `${VARIABLE}: "${raw}" starts with ~${tilde[1]}, which only a shell expands: use an absolute path` };
    const home = homeOf(env, platform);
    if (!home.ok) return home;
    dir = paths.join(home.dir, dir.slice(1));
  }
  if (!paths.isAbsolute(dir) || (platform === "win32" && !/^([A-Za-z]:[\\/]|[\\/]{2})/.test(dir))) {
    return {
      ok: false,
      problem: `${VARIABLE}: must be an absolute path; "${raw}" would be resolved against whatever folder the MCP client starts the server in`,
    };
  }
  // resolve() of an absolute path only normalises it (and drops a trailing separator).
  return { ok: true, dir: paths.resolve(dir) };
}
