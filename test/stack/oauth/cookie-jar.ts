/** Just enough of RFC 6265 for one origin: name, value, path, and deletion by expiry. */
export interface CookieJar {
  store(setCookieHeaders: string[]): void;
  headerFor(url: URL): string;
}

interface StoredCookie {
  name: string;
  value: string;
  path: string;
}

export function createCookieJar(): CookieJar {
  const cookies = new Map<string, StoredCookie>();
  return {
    store(headers) {
      for (const header of headers) {
        const parsed = parseSetCookie(header);
        if (!parsed) continue;
        const key = `${parsed.cookie.path}\n${parsed.cookie.name}`;
        if (parsed.expired) cookies.delete(key);
        else cookies.set(key, parsed.cookie);
      }
    },
    headerFor(url) {
      return [...cookies.values()]
        .filter((cookie) => pathMatches(url.pathname, cookie.path))
        .map((cookie) => `${cookie.name}=${cookie.value}`)
        .join("; ");
    },
  };
}

function parseSetCookie(header: string): { cookie: StoredCookie; expired: boolean } | undefined {
  const [pair = "", ...attributes] = header.split(";").map((part) => part.trim());
  const eq = pair.indexOf("=");
  if (eq <= 0) return undefined;
  const cookie = { name: pair.slice(0, eq), value: pair.slice(eq + 1), path: "/" };
  let expired = false;
  for (const attribute of attributes) {
    const [rawName = "", ...rest] = attribute.split("=");
    const name = rawName.toLowerCase();
    const value = rest.join("=");
    if (name === "path" && value.startsWith("/")) cookie.path = value;
    if (name === "max-age" && Number(value) <= 0) expired = true;
    if (name === "expires" && Date.parse(value) <= Date.now()) expired = true;
  }
  return { cookie, expired };
}

function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith("/") || requestPath.charAt(cookiePath.length) === "/";
}
