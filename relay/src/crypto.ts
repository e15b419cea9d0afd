import type { CryptoBackend } from "#protocol";
import { getNativeBackend } from "#protocol/native";

/**
 * The relay's crypto back-end: native libsecp256k1 and node:crypto. The relay never falls back to the
 * pure-JS back-end: its per-packet path must not do pure-JS public-key work (DESIGN.md §7), so a missing
 * native binding is a startup error with advice, not a silent slowdown.
 */
export function relayBackend(): CryptoBackend {
  return getNativeBackend();
}
