/**
 * Sotto wire protocol — Node-only entry point: the native crypto back-end (libsecp256k1 through the
 * `secp256k1@5` N-API prebuild, libsodium for the ciphers, node:crypto for the hashes). Never import this from code
 * that must run in a browser; everything else is in `./index.ts`.
 */
import type { CryptoBackend } from "./crypto/backend.ts";
import { createNativeBackend, nativeBindingInfo } from "./crypto/nativeBackend.ts";

export { createNativeBackend, nativeBindingInfo };
export type { NativeBindingInfo } from "./crypto/nativeBackend.ts";

let cached: CryptoBackend | undefined;

/**
 * The native back-end (created once). Throws `NativeBackendUnavailableError` when the N-API binding
 * cannot be loaded — it never falls back to pure JS silently; pick `portableBackend` explicitly instead.
 */
export function getNativeBackend(): CryptoBackend {
  cached ??= createNativeBackend();
  return cached;
}
