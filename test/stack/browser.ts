// Drives the authorization server's login and consent pages in real headless Chromium.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Page } from "playwright-core";

const CHROMIUM = "/usr/bin/chromium";
// The test network is closed: without these, Chromium stalls on its own background traffic.
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/**
 * Open `authorizationUrl` in headless Chromium, log in as `account`, press "Allow", and wait until
 * the browser lands on the client's loopback callback (http://127.0.0.1:<port>/callback…).
 * Returns that URL and the visible text of the page the client answered with.
 */
export async function signInWithBrowser(
  authorizationUrl: string,
  account: { email: string; password: string },
  opts: { timeoutMs?: number } = {},
): Promise<{ finalUrl: string; text: string }> {
  const timeout = opts.timeoutMs ?? 30_000;
  const userDataDir = await mkdtemp(join(tmpdir(), "cronicorn-chromium-"));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    timeout,
  });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(timeout);
    const authorizationServer = new URL(authorizationUrl).origin;
    const atCallback = (url: URL) => url.origin !== authorizationServer && url.hostname === "127.0.0.1" && url.pathname === "/callback";

    await page.goto(authorizationUrl);
    await logIn(page, account);
    await page.getByRole("button", { name: "Allow" }).click();
    await page.waitForURL(atCallback);
    await page.waitForLoadState("load");
    return { finalUrl: page.url(), text: await page.locator("body").innerText() };
  } finally {
    await context.close();
    await rm(userDataDir, { recursive: true, force: true });
  }
}

async function logIn(page: Page, account: { email: string; password: string }): Promise<void> {
  await page.locator('input[name="email"]').fill(account.email);
  await page.locator('input[name="password"]').fill(account.password);
  await page.locator('form[data-prompt="login"] [type="submit"]').click();
  // Either the consent page or the login page again, with the reason it refused.
  const allow = page.getByRole("button", { name: "Allow" });
  const refusal = page.getByRole("alert");
  await allow.or(refusal).first().waitFor();
  if (await refusal.isVisible()) throw new Error(`login rejected: ${await refusal.innerText()}`);
}
