/**
 * What went wrong with a request, by cause. Only real network failures may be reported as "cannot
 * reach"; an oversized or endless body, a deadline, or an untrusted certificate each say what happened.
 */
import { ExpectedError } from "../core/errors.js";

/** Cronicorn could not be reached, did not answer in time, or answered with something unreadable. */
export class NetworkError extends ExpectedError {
  override readonly name = "NetworkError";
}

/** The response body passed MAX_RESPONSE_BYTES; it was cut off while streaming. */
export class ResponseTooLargeError extends Error {
  override readonly name = "ResponseTooLargeError";
  constructor(readonly limitBytes: number) {
    super(`the response was larger than ${Math.round(limitBytes / 1024 / 1024)} MiB`);
  }
}

/** The request's one deadline (connect to last byte) passed. */
export class DeadlineError extends Error {
  override readonly name = "TimeoutError";
  constructor(readonly timeoutMs: number) {
    super(`no complete answer within ${timeoutMs} ms`);
  }
}

/** An OAuth request to a plain-http address that is not this machine: refused before anything is sent. */
export class PlainHttpRefusedError extends Error {
  override readonly name = "PlainHttpRefusedError";
  constructor(readonly origin: string) {
    super(`plain http to ${origin} was refused: only https, or http to this machine, may carry a sign-in`);
  }
}

export type FailureKind = "timeout" | "too-large" | "tls" | "unreachable" | "connection-lost" | "other";

/** Codes of failures where the request never reached the server. */
const UNREACHABLE = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "EADDRNOTAVAIL", "UND_ERR_CONNECT_TIMEOUT"]);
/** Codes of failures where the connection broke after it was open: the request may have arrived. */
const CONNECTION_LOST = new Set(["ECONNRESET", "EPIPE", "ETIMEDOUT", "UND_ERR_SOCKET", "UND_ERR_CLOSED", "ECONNABORTED"]);
const TLS = /^(ERR_TLS_|ERR_SSL_|UNABLE_TO_|SELF_SIGNED_|DEPTH_ZERO_|CERT_|HOSTNAME_MISMATCH)/;

/** The first `code` along the error's cause chain. */
export function errorCode(error: unknown): string | undefined {
  for (const current of causes(error)) {
    if (typeof current === "object" && current !== null && "code" in current && typeof current.code === "string") return current.code;
  }
  return undefined;
}

/** The error and its causes (libraries such as openid-client wrap ours), outermost first. */
function causes(error: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let current = error, depth = 0; current && depth < 6; depth++) {
    chain.push(current);
    current = typeof current === "object" && "cause" in current ? current.cause : undefined;
  }
  return chain;
}

export function failureKind(error: unknown): FailureKind {
  const chain = causes(error);
  if (chain.some((e) => e instanceof DeadlineError)) return "timeout";
  if (chain.some((e) => e instanceof ResponseTooLargeError)) return "too-large";
  const code = errorCode(error);
  if (code && TLS.test(code)) return "tls";
  if (code && UNREACHABLE.has(code)) return "unreachable";
  if (code && CONNECTION_LOST.has(code)) return "connection-lost";
  return "other";
}

/** A short account of a network failure by its cause, for messages that wrap it; undefined for other errors. */
export function describeNetworkFailure(error: unknown): string | undefined {
  const found = (type: abstract new (...args: never[]) => Error) => causes(error).find((e) => e instanceof type) as Error | undefined;
  const refused = found(PlainHttpRefusedError);
  if (refused) return refused.message;
  switch (failureKind(error)) {
    case "timeout":
      return found(DeadlineError)?.message;
    case "too-large":
      return found(ResponseTooLargeError)?.message;
    case "tls":
      return tlsAdvice(error);
    case "unreachable":
    case "connection-lost":
      return `the server could not be reached (${errorCode(error) ?? "network error"}); check your network connection and proxy settings (HTTPS_PROXY, NO_PROXY)`;
    default:
      return undefined;
  }
}

/** What to do about a TLS failure; names NODE_EXTRA_CA_CERTS for the private-CA case. */
export function tlsAdvice(error: unknown): string {
  const code = errorCode(error) ?? "TLS error";
  if (code === "ERR_TLS_CERT_ALTNAME_INVALID" || code === "HOSTNAME_MISMATCH") {
    return `its TLS certificate does not match the host name (${code}). Check the host in CRONICORN_API_URL`;
  }
  if (code === "CERT_HAS_EXPIRED") return `its TLS certificate has expired (${code}). Ask the server's operator to renew it`;
  return `its TLS certificate is not trusted here (${code}). If your network or server uses a private certificate authority, set NODE_EXTRA_CA_CERTS to that CA's PEM file in your MCP client's config and restart the server`;
}
