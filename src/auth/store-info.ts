import type { StoreKind, TokenStore } from "./store/types.js";

/** A token store as `status` describes it. */
export interface CredentialStoreInfo extends TokenStore {
  readonly kind: StoreKind;
  describe(): string;
}
