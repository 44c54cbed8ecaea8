/**
 * Where credentials go: CRONICORN_CONFIG_DIR and the home folder. An MCP client starts the server in
 * a folder of its choosing (often the user's project) and no shell reads its config, so a path that
 * is relative, starts with `~`, or names a variable must never be taken as written: it would put the
 * credentials file in that project (where `git status` shows it) while status names ~/.cronicorn.
 */
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config/config.js";

function dirOf(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = "linux"): string {
  const result = loadConfig(env, {}, platform);
  if (!result.ok) throw new Error(result.problems.join("; "));
  return result.config.configDir;
}

function problemsOf(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = "linux"): string[] {
  const result = loadConfig(env, {}, platform);
  if (result.ok) throw new Error(`expected a problem, got configDir ${result.config.configDir}`);
  return result.problems;
}

describe("the config folder", () => {
  it("defaults to .cronicorn in the HOME of the environment it is given", () => {
    expect(dirOf({ HOME: "/home/alice" })).toBe("/home/alice/.cronicorn");
    expect(dirOf({ USERPROFILE: "C:\\Users\\alice" }, "win32")).toBe("C:\\Users\\alice\\.cronicorn");
  });

  it("takes an absolute CRONICORN_CONFIG_DIR as it is, normalised", () => {
    expect(dirOf({ HOME: "/home/alice", CRONICORN_CONFIG_DIR: "/srv/cronicorn/" })).toBe("/srv/cronicorn");
    expect(dirOf({ HOME: "/home/alice", CRONICORN_CONFIG_DIR: "/srv/x/../cronicorn" })).toBe("/srv/cronicorn");
    expect(dirOf({ CRONICORN_CONFIG_DIR: "D:\\creds\\cronicorn" }, "win32")).toBe("D:\\creds\\cronicorn");
  });

  it("refuses a relative CRONICORN_CONFIG_DIR, naming the variable and the value, instead of writing into the client's working folder", () => {
    for (const value of [".cronicorn", "creds/cronicorn", "./x"]) {
      expect(problemsOf({ HOME: "/home/alice", CRONICORN_CONFIG_DIR: value })).toEqual([
        `CRONICORN_CONFIG_DIR: must be an absolute path; "${value}" would be resolved against whatever folder the MCP client starts the server in`,
      ]);
    }
    // C:creds is relative to drive C's current folder, not absolute.
    expect(problemsOf({ CRONICORN_CONFIG_DIR: "C:creds" }, "win32")[0]).toMatch(/^CRONICORN_CONFIG_DIR: must be an absolute path/);
  });

  it("expands a leading ~ against HOME, as a shell would have", () => {
    expect(dirOf({ HOME: "/home/alice", CRONICORN_CONFIG_DIR: "~/.cronicorn" })).toBe("/home/alice/.cronicorn");
    expect(dirOf({ HOME: "/home/alice", CRONICORN_CONFIG_DIR: "~" })).toBe("/home/alice");
    expect(dirOf({ USERPROFILE: "C:\\Users\\alice", CRONICORN_CONFIG_DIR: "~\\.cronicorn" }, "win32")).toBe("C:\\Users\\alice\\.cronicorn");
  });

  it("refuses ~user, which only a shell can look up", () => {
    expect(problemsOf({ HOME: "/home/alice", CRONICORN_CONFIG_DIR: "~bob/.cronicorn" })).toEqual([
      'CRONICORN_CONFIG_DIR: "~bob/.cronicorn" starts with ~bob, which only a shell expands: use an absolute path',
    ]);
  });

  it("refuses %VAR% outside Windows, naming the variable", () => {
    expect(problemsOf({ HOME: "/home/alice", CRONICORN_CONFIG_DIR: "%USERPROFILE%\\.cronicorn" })).toEqual([
      'CRONICORN_CONFIG_DIR: "%USERPROFILE%\\.cronicorn" contains %USERPROFILE%, which only Windows expands (and nothing expands it here): use an absolute path',
    ]);
  });

  it("expands %VAR% on Windows (names in any case), and refuses one that is not set", () => {
    expect(dirOf({ USERPROFILE: "C:\\Users\\alice", CRONICORN_CONFIG_DIR: "%USERPROFILE%\\.cronicorn" }, "win32")).toBe("C:\\Users\\alice\\.cronicorn");
    expect(dirOf({ AppData: "C:\\Users\\alice\\AppData\\Roaming", CRONICORN_CONFIG_DIR: "%APPDATA%\\cronicorn" }, "win32")).toBe(
      "C:\\Users\\alice\\AppData\\Roaming\\cronicorn",
    );
    expect(problemsOf({ CRONICORN_CONFIG_DIR: "%NOPE%\\cronicorn" }, "win32")).toEqual([
      'CRONICORN_CONFIG_DIR: "%NOPE%\\cronicorn" names %NOPE%, which is not set in the server\'s environment: use an absolute path',
    ]);
  });

  it("refuses $VAR and ${VAR}, which no shell expands in an MCP client's config", () => {
    expect(problemsOf({ HOME: "/home/alice", CRONICORN_CONFIG_DIR: "$HOME/.cronicorn" })).toEqual([
      'CRONICORN_CONFIG_DIR: "$HOME/.cronicorn" contains $HOME, which only a shell expands (and no shell reads this setting): use an absolute path',
    ]);
    expect(problemsOf({ HOME: "/home/alice", CRONICORN_CONFIG_DIR: "${XDG_CONFIG_HOME}/cronicorn" })[0]).toMatch(/contains \$\{XDG_CONFIG_HOME\}/);
  });

  it("refuses an empty or relative HOME when the folder would be under it, naming HOME", () => {
    const expected = "HOME: is empty, so ~/.cronicorn has no home folder to be in: set HOME to your home folder, or CRONICORN_CONFIG_DIR to an absolute path";
    expect(problemsOf({ HOME: "" })).toEqual([expected]);
    expect(problemsOf({ HOME: "", CRONICORN_CONFIG_DIR: "~/.cronicorn" })).toEqual([expected]);
    expect(problemsOf({ HOME: "home" })).toEqual([
      'HOME: "home" is not an absolute path, so ~/.cronicorn has no home folder to be in: set HOME to your home folder, or CRONICORN_CONFIG_DIR to an absolute path',
    ]);
    expect(problemsOf({ USERPROFILE: "" }, "win32")[0]).toMatch(/^USERPROFILE: is empty/);
    // An absolute CRONICORN_CONFIG_DIR does not need HOME at all.
    expect(dirOf({ HOME: "", CRONICORN_CONFIG_DIR: "/srv/cronicorn" })).toBe("/srv/cronicorn");
  });

  it("reports a config folder problem alongside the other problems", () => {
    expect(problemsOf({ HOME: "/home/alice", CRONICORN_CONFIG_DIR: "rel", CRONICORN_TIMEOUT_MS: "soon" })).toEqual([
      "CRONICORN_TIMEOUT_MS: CRONICORN_TIMEOUT_MS must be a number",
      'CRONICORN_CONFIG_DIR: must be an absolute path; "rel" would be resolved against whatever folder the MCP client starts the server in',
    ]);
  });
});

describe("timeouts a timer can hold", () => {
  it("refuses CRONICORN_TIMEOUT_MS and CRONICORN_KEYCHAIN_TIMEOUT_MS over an hour (Node would fire a longer timer after 1 ms)", () => {
    for (const name of ["CRONICORN_TIMEOUT_MS", "CRONICORN_KEYCHAIN_TIMEOUT_MS"]) {
      expect(loadConfig({ [name]: "3600000" }).ok, name).toBe(true);
      for (const value of ["3600001", "2147483648", "1e12"]) {
        expect(problemsOf({ [name]: value })).toEqual([`${name}: ${name} must be at most 3600000 (one hour)`]);
      }
    }
  });
});
