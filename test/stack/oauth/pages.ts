// The authorization server's HTML. Forms carry data-prompt so the headless driver can find them
// without a DOM; browsers just see plain forms.

export interface LoginPageInput {
  action: string;
  email?: string;
  error?: string;
}

export interface ConsentPageInput {
  action: string;
  clientId: string;
  scopes: string[];
}

export function loginPage({ action, email = "", error }: LoginPageInput): string {
  return layout(
    "Sign in",
    `<h1>Sign in to Cronicorn</h1>
${error ? `<p role="alert">${escapeHtml(error)}</p>` : ""}
<form method="post" action="${escapeHtml(action)}" data-prompt="login">
  <label>Email <input type="email" name="email" value="${escapeHtml(email)}" autocomplete="username" required autofocus></label>
  <label>Password <input type="password" name="password" autocomplete="current-password" required></label>
  <button type="submit">Sign in</button>
</form>`,
  );
}

export function consentPage({ action, clientId, scopes }: ConsentPageInput): string {
  const items = scopes.map((scope) => `<li>${escapeHtml(scope)}</li>`).join("");
  return layout(
    "Authorize",
    `<h1>Authorize ${escapeHtml(clientId)}</h1>
<p>${escapeHtml(clientId)} asks for access to your Cronicorn account:</p>
<ul>${items}</ul>
<form method="post" action="${escapeHtml(action)}" data-prompt="consent">
  <button type="submit" name="decision" value="allow" autofocus>Allow</button>
  <button type="submit" name="decision" value="deny">Deny</button>
</form>`,
  );
}

export function errorPage(error: string, description: string): string {
  return layout("Error", `<h1>Sign-in error</h1><p>${escapeHtml(error)}</p><p>${escapeHtml(description)}</p>`);
}

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>
<body><main>
${body}
</main></body></html>`;
}

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
