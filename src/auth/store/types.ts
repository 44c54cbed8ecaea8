/** What the token stores keep: one record per Cronicorn API origin. */
import { ExpectedError } from "../../core/errors.js";

export type StoreKind = "keychain" | "file";

export interface CredentialRecord {
  access_token: string;
  refresh_token?: string;
  /** Milliseconds since the epoch. */
  expires_at: number;
  token_type: string;
  scope?: string;
  /** The OAuth issuer (or the API's auth base for Cronicorn's device flow). */
  issuer: string;
  client_id: string;
  /** Milliseconds since the epoch. */
  obtained_at: number;
  /** How the record was obtained; informs `status` and refresh. */
  flow?: "device" | "pkce" | "legacy";
}

export interface TokenStore {
  readonly kind: StoreKind;
  /** The record for `origin`, or null when there is none (or it was corrupt and moved aside). */
  read(origin: string): Promise<CredentialRecord | null>;
  /** Persist the record for `origin`, replacing any previous one. */
  write(origin: string, record: CredentialRecord): Promise<void>;
  /** Remove the record for `origin`; true when something was deleted. */
  delete(origin: string): Promise<boolean>;
}

/** A store failed for a reason the user can act on (permissions, keychain locked, …). */
export class StoreError extends ExpectedError {
  override readonly name = "StoreError";
}
