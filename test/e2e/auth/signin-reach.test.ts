/**
 * The sign-in link reaches the user at once: a tool call waits for approval only while the user can
 * act on the link (a browser opened, or the client accepted the URL elicitation). Otherwise it
 * answers at once with the link and code, and the flow polls on so the next call just works.
 * The server is told to wait 600 s: a call that waited when it should not would hit the SDK
 * client's default 60 s request timeout and fail, instead of showing the link.
 */
import fs from "node:fs";
import path from "node:path";
import type { CallToolResult } from "@modelcontextprotocol/client";
import { afterEach, describe, expect, it } from "vitest";
import { startCronicornStandIn } from "../../stack/cronicorn.js";
import type { StandIn } from "../../stack/cronicorn.js";
import { assertNoSecrets, assertStdoutIsJsonRpc, ERAS, makeHome, startServer, textOf, valueOf } from "../../helpers/mcp.js";
import type { ServerHandle, StartOptions } from "../../helpers/mcp.js";
import { eventually, promptOf, storedRecord } from "../../helpers/signin.js";

const LONG_WAIT = { CRONICORN_LOGIN_WAIT_S: "600" };

/** A call as a client with the SDK's default request timeout (60 s) and no progress reset makes it. */
async function plainCall(server: ServerHandle, name: string): Promise<CallToolResult> {
  return (await server.client.callTool({ name, arguments: {} })) as CallToolResult;
}

/** A "browser" for xdg-open: a script that writes the URL it was given to a file. */
function fakeBrowser(home: string): { env: Record<string, string | undefined>; opened: () => string | undefined } {
  const log = path.join(home, "browser.log");
  const script = path.join(home, "browser.sh");
  fs.writeFileSync(script, `#!/bin/sh\nprintf '%s\\n' "$1" >> "${log}"\n`, { mode: 0o755 });
  return {
    // A display makes a browser "available"; empty XDG dirs keep xdg-open from finding a desktop default before $BROWSER.
    env: { CRONICORN_NO_BROWSER: undefined, DISPLAY: ":0", BROWSER: script, XDG_DATA_DIRS: home, XDG_CONFIG_DIRS: home },
    opened: () => (fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim() || undefined : undefined),
  };
}

describe.each(ERAS)("the sign-in link reaches the user at once (%s era)", (era) => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0)) await fn();
  });

  async function setup(env: Record<string, string | undefined>, start: Partial<StartOptions> = {}) {
    const stand = await startCronicornStandIn({ deviceInterval: "1s" });
    const server = await startServer({
      era,
      ...start,
      env: { CRONICORN_API_URL: stand.apiUrl, CRONICORN_WEB_URL: stand.webUrl, CRONICORN_ISSUER: stand.webUrl, ...env },
    });
    cleanup.push(async () => {
      assertStdoutIsJsonRpc(server.stdout());
      await server.close();
      await stand.close();
    });
    return { stand, server };
  }

  /** The next call, once the background poll has picked up the approval, lists the jobs without a new code. */
  async function nextCallWorks(stand: StandIn, server: ServerHandle, userCode: string) {
    await stand.approveDevice(userCode);
    const jobs = await eventually(
      async () => {
        const result = await server.call("list_jobs");
        return (result.structuredContent as { jobs?: unknown[] } | undefined)?.jobs;
      },
      20_000,
      "the next call to succeed",
    );
    expect(jobs).toEqual([]);
    expect(stand.requests.filter((r) => r.path === "/api/auth/device/code").length).toBe(1);
  }

  it(
    "with no browser and no URL elicitation, answers at once with the link and code (not an error), and the next call works",
    { timeout: 90_000 },
    async () => {
      const { stand, server } = await setup(LONG_WAIT);
      const first = await plainCall(server, "list_jobs");
      expect(first.isError).toBeFalsy();
      const prompt = promptOf(first);
      expect(prompt.verificationUrl).toBe(`${stand.webUrl}/device/approve?user_code=${prompt.userCode}`);
      expect(textOf(first)).toContain(prompt.verificationUrl);
      expect(textOf(first)).toContain(prompt.userCode as string);
      await nextCallWorks(stand, server, prompt.userCode as string);
      const token = storedRecord(server.home, new URL(stand.apiUrl).origin)?.access_token as string;
      expect(token).toBeTruthy();
      assertNoSecrets(server.stdout() + server.stderr(), [token], "server output");
    },
  );

  it("when a browser was opened, keeps the call waiting with progress and finishes it once approved", { timeout: 90_000 }, async () => {
    const home = makeHome();
    const browser = fakeBrowser(home);
    const { stand, server } = await setup({ ...browser.env }, { home });
    const progress: string[] = [];
    let sawProgress: () => void = () => undefined;
    const firstProgress = new Promise<void>((resolve) => (sawProgress = resolve));
    const waiting = server.client.callTool(
      { name: "list_jobs", arguments: {} },
      {
        onprogress: (p) => {
          progress.push(p.message ?? "");
          sawProgress();
        },
      },
    );
    const opened = await eventually(browser.opened, 10_000, "the browser to be opened");
    const userCode = new URL(opened).searchParams.get("user_code") as string;
    expect(opened).toBe(`${stand.webUrl}/device/approve?user_code=${userCode}`);
    await firstProgress; // the call is still waiting, and says so
    expect(progress[0]).toContain(userCode);
    await stand.approveDevice(userCode);
    const result = (await waiting) as CallToolResult;
    expect(valueOf<unknown[]>(result, "jobs")).toEqual([]);
  });

  it("when the client accepts the URL elicitation, waits and finishes the call once approved", { timeout: 90_000 }, async () => {
    const elicited: Array<{ url?: string }> = [];
    const { stand, server } = await setup(LONG_WAIT, {
      capabilities: { elicitation: { url: {} } },
      onElicit: (p) => void elicited.push(p as { url?: string }),
    });
    const waiting = plainCall(server, "list_jobs");
    const request = await eventually(() => elicited[0], 10_000, "the URL elicitation");
    const userCode = new URL(request.url as string).searchParams.get("user_code") as string;
    await stand.approveDevice(userCode);
    expect(valueOf<unknown[]>(await waiting, "jobs")).toEqual([]);
  });

  for (const [what, answer] of [
    ["declines", async () => ({ action: "decline" as const })],
    ["cancels", async () => ({ action: "cancel" as const })],
    [
      "fails",
      async (): Promise<never> => {
        throw new Error("this client cannot show URLs after all");
      },
    ],
  ] as const) {
    // A 2026 client whose own handler fails cannot retry the round: that failure is the client's to report.
    if (era === "modern" && what === "fails") continue;
    it(`when the client ${what} the URL elicitation, answers at once with the link and code`, { timeout: 90_000 }, async () => {
      const { stand, server } = await setup(LONG_WAIT, { capabilities: { elicitation: { url: {} } } });
      let asked = 0;
      server.client.setRequestHandler("elicitation/create", async () => {
        asked++;
        return answer();
      });
      const first = await plainCall(server, "list_jobs");
      expect(first.isError).toBeFalsy();
      const prompt = promptOf(first);
      expect(textOf(first)).toContain(prompt.userCode as string);
      expect(asked).toBe(1);
      await nextCallWorks(stand, server, prompt.userCode as string);
    });
  }
});
