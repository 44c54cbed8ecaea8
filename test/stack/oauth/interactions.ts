import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { InteractionDetails, Provider } from "oidc-provider";
import { readForm, sendHtml } from "./http.js";
import { consentPage, errorPage, loginPage } from "./pages.js";
import { INTERACTION_PATH } from "./provider.js";
import type { AuthServerAccount } from "./types.js";

/** Handles a request when it belongs to the login/consent pages; answers false for any other path. */
export type InteractionRoutes = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean>;

const ROUTE = new RegExp(`^${INTERACTION_PATH}/([\\w-]+)(?:/(login|confirm))?$`);

export function interactionRoutes(provider: Provider, account: AuthServerAccount): InteractionRoutes {
  return async (req, res, url) => {
    const match = ROUTE.exec(url.pathname);
    if (!match) return false;
    const [, uid = "", step] = match;
    try {
      const details = await provider.interactionDetails(req, res);
      if (req.method === "GET" && step === undefined) showPrompt(res, details);
      else if (req.method === "POST" && step === "login") await submitLogin(provider, account, req, res, details);
      else if (req.method === "POST" && step === "confirm") await submitConsent(provider, req, res, details);
      else sendHtml(res, 405, errorPage("method_not_allowed", `${req.method ?? ""} ${url.pathname}`));
    } catch (error) {
      // Typically an expired or foreign interaction cookie: the user has to start over from the client.
      const message = error instanceof Error ? error.message : String(error);
      sendHtml(res, 400, errorPage("invalid_request", `interaction ${uid}: ${message}`));
    }
    return true;
  };
}

function showPrompt(res: ServerResponse, details: InteractionDetails): void {
  const base = `${INTERACTION_PATH}/${details.uid}`;
  if (details.prompt.name === "login") {
    const hint = typeof details.params.login_hint === "string" ? details.params.login_hint : undefined;
    sendHtml(res, 200, loginPage({ action: `${base}/login`, email: hint }));
    return;
  }
  const scope = typeof details.params.scope === "string" ? details.params.scope : "";
  const clientId = String(details.params.client_id);
  sendHtml(res, 200, consentPage({ action: `${base}/confirm`, clientId, scopes: scope.split(" ").filter(Boolean) }));
}

async function submitLogin(
  provider: Provider,
  account: AuthServerAccount,
  req: IncomingMessage,
  res: ServerResponse,
  details: InteractionDetails,
): Promise<void> {
  const form = await readForm(req);
  const email = form.get("email") ?? "";
  if (!isAccount(account, email, form.get("password") ?? "")) {
    const action = `${INTERACTION_PATH}/${details.uid}/login`;
    sendHtml(res, 200, loginPage({ action, email, error: "Wrong email or password." }));
    return;
  }
  await provider.interactionFinished(req, res, { login: { accountId: account.id } }, { mergeWithLastSubmission: false });
}

async function submitConsent(provider: Provider, req: IncomingMessage, res: ServerResponse, details: InteractionDetails): Promise<void> {
  const form = await readForm(req);
  if (form.get("decision") !== "allow") {
    const denied = { error: "access_denied", error_description: "End-User denied the authorization request" };
    await provider.interactionFinished(req, res, denied, { mergeWithLastSubmission: false });
    return;
  }
  const grantId = await grantRequestedAccess(provider, details);
  await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
}

/** Records in a grant everything the request asked for that the account has not granted yet. */
async function grantRequestedAccess(provider: Provider, details: InteractionDetails): Promise<string> {
  const accountId = details.session?.accountId;
  if (accountId === undefined) throw new Error("consent before login");
  const existing = details.grantId === undefined ? undefined : await provider.Grant.find(details.grantId);
  const grant = existing ?? new provider.Grant({ accountId, clientId: String(details.params.client_id) });
  const { missingOIDCScope, missingOIDCClaims, missingResourceScopes } = details.prompt.details;
  if (missingOIDCScope) grant.addOIDCScope(missingOIDCScope.join(" "));
  if (missingOIDCClaims) grant.addOIDCClaims(missingOIDCClaims);
  for (const [resource, scopes] of Object.entries(missingResourceScopes ?? {})) {
    grant.addResourceScope(resource, scopes.join(" "));
  }
  return grant.save();
}

function isAccount(account: AuthServerAccount, email: string, password: string): boolean {
  const sameEmail = email.trim().toLowerCase() === account.email.toLowerCase();
  const given = Buffer.from(password);
  const expected = Buffer.from(account.password);
  return sameEmail && given.length === expected.length && timingSafeEqual(given, expected);
}
