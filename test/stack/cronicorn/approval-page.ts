/**
 * Cronicorn's web approval page, `{web}/device/approve?user_code=…`, reduced to a form with
 * Approve and Deny buttons that act as the seeded user. It lets a person finish the device flow in
 * a browser when a real MCP client runs against `npm run stack` (and browser-driven tests do the same).
 */
import { Hono } from "hono";
import type { UserActions } from "./user-actions.js";

export function approvalPage(actions: Pick<UserActions, "approveDevice" | "denyDevice">, userEmail: string): Hono {
  const app = new Hono();

  // better-auth reports `{web}/device` as verification_uri; send people to Cronicorn's page.
  app.get("/device", (c) => {
    const query = new URL(c.req.url).search;
    return c.redirect(`/device/approve${query}`, 302);
  });

  app.get("/device/approve", (c) => c.html(page("Approve device", decisionForm(c.req.query("user_code") ?? "", userEmail))));

  app.post("/device/approve", async (c) => {
    const fields = await c.req.parseBody();
    const userCode = typeof fields.user_code === "string" ? fields.user_code.trim().toUpperCase() : "";
    const decision = fields.decision === "deny" ? "deny" : "approve";
    try {
      await (decision === "approve" ? actions.approveDevice(userCode) : actions.denyDevice(userCode));
      const outcome = decision === "approve" ? "Device approved. You can close this tab." : "Device denied. You can close this tab.";
      return c.html(page("Done", `<p id="outcome">${outcome}</p>`));
    } catch (error) {
      const message = escapeHtml(error instanceof Error ? error.message : String(error));
      return c.html(page("Could not complete", `<p id="error">${message}</p>${decisionForm(userCode, userEmail)}`), 400);
    }
  });

  return app;
}

function decisionForm(userCode: string, userEmail: string): string {
  return `<p>Signed in as <strong>${escapeHtml(userEmail)}</strong> (Cronicorn stand-in).</p>
<form method="post" action="/device/approve">
  <label>Code <input name="user_code" value="${escapeHtml(userCode)}" autocomplete="off" required></label>
  <button type="submit" name="decision" value="approve">Approve</button>
  <button type="submit" name="decision" value="deny">Deny</button>
</form>`;
}

function page(title: string, body: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)} · Cronicorn stand-in</title></head>
<body><h1>${escapeHtml(title)}</h1>${body}</body></html>`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}
