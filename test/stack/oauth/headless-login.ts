import { createCookieJar, type CookieJar } from "./cookie-jar.js";
import type { AuthServerAccount } from "./types.js";

export interface HeadlessLoginOptions {
  issuer: string;
  account: Pick<AuthServerAccount, "email" | "password">;
  deny?: boolean;
}

export interface CallbackResult {
  callbackUrl: string;
  status: number;
  body: string;
}

interface Step {
  url: URL;
  form?: URLSearchParams;
}

// Authorization request → login → resume → consent → resume → callback, with margin.
const MAX_STEPS = 12;

/**
 * Acts as a browser without one: follows redirects on the authorization server with a cookie jar,
 * fills in its login and consent forms, and stops at the first redirect off the server, which is
 * the client's redirect_uri. That callback is then requested like the browser would.
 */
export async function completeLoginHeadless(authorizationUrl: string, options: HeadlessLoginOptions): Promise<CallbackResult> {
  const origin = new URL(options.issuer).origin;
  const jar = createCookieJar();
  let step: Step = { url: new URL(authorizationUrl) };
  let loginSubmitted = false;

  for (let i = 0; i < MAX_STEPS; i += 1) {
    const response = await send(step, jar);
    const location = response.headers.get("location");
    if (response.status >= 300 && response.status < 400 && location !== null) {
      const next = new URL(location, step.url);
      if (next.origin !== origin) return visitCallback(next);
      step = { url: next };
      continue;
    }
    const html = await response.text();
    const form = findForm(html);
    if (response.status !== 200 || form === undefined) {
      throw new Error(`authorization server answered ${response.status} at ${step.url.pathname}: ${textOf(html)}`);
    }
    const action = new URL(form.action, step.url);
    if (form.prompt === "login") {
      if (loginSubmitted) throw new Error(`login rejected: ${textOf(html)}`);
      loginSubmitted = true;
      step = { url: action, form: new URLSearchParams({ email: options.account.email, password: options.account.password }) };
    } else {
      step = { url: action, form: new URLSearchParams({ decision: options.deny ? "deny" : "allow" }) };
    }
  }
  throw new Error(`no redirect to the client after ${MAX_STEPS} steps`);
}

async function send(step: Step, jar: CookieJar): Promise<Response> {
  const headers: Record<string, string> = { accept: "text/html" };
  const cookie = jar.headerFor(step.url);
  if (cookie) headers.cookie = cookie;
  if (step.form) headers["content-type"] = "application/x-www-form-urlencoded";
  const response = await fetch(step.url, {
    method: step.form ? "POST" : "GET",
    headers,
    body: step.form?.toString(),
    redirect: "manual",
  });
  jar.store(response.headers.getSetCookie());
  return response;
}

async function visitCallback(url: URL): Promise<CallbackResult> {
  const response = await fetch(url, { headers: { accept: "text/html" } });
  return { callbackUrl: url.href, status: response.status, body: await response.text() };
}

function findForm(html: string): { prompt: "login" | "consent"; action: string } | undefined {
  const match = /<form\b[^>]*\baction="([^"]*)"[^>]*\bdata-prompt="(login|consent)"/.exec(html);
  if (!match) return undefined;
  return { action: decodeEntities(match[1] ?? ""), prompt: match[2] === "login" ? "login" : "consent" };
}

function decodeEntities(value: string): string {
  return value.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)));
}

function textOf(html: string): string {
  return html
    .replace(/<[^>]*>/g, " ")
    .replace(/\s+/g, " ")
    .trim()
    .slice(0, 300);
}
