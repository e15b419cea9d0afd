import type { CryptoBackend } from "../crypto/backend.ts";
import { InvalidPrivateKeyError } from "../errors.ts";
import { concatBytes } from "../utils/bytes.ts";

export type ComputeSharedSecretsReturnType = {
  /** `ss_i` for each hop, in route order. */
  sharedSecrets: Uint8Array[];
  /** The ephemeral public key each hop sees in its onion (`epk_i`). */
  ephemeralPublicKeys: Uint8Array[];
};

/**
 * Sender side of BOLT 4 "Packet Construction": walks the route from the session key, computing each
 * hop's shared secret `ss_i = SHA256(ek_i · N_i)` and blinding the ephemeral key with
 * `b_i = SHA256(epk_i ‖ ss_i)`, `ek_{i+1} = ek_i · b_i mod n`.
 */
export function computeSharedSecrets(
  backend: CryptoBackend,
  sessionKey: Uint8Array,
  publicKeys: readonly Uint8Array[],
): ComputeSharedSecretsReturnType {
  if (!backend.isValidPrivateKey(sessionKey)) throw new InvalidPrivateKeyError({ what: "session key" });
  const sharedSecrets: Uint8Array[] = [];
  const ephemeralPublicKeys: Uint8Array[] = [];
  let ephemeralKey = sessionKey;
  for (let i = 0; i < publicKeys.length; i++) {
    const epk = backend.publicKeyFromPrivate(ephemeralKey);
    const ss = backend.ecdh(publicKeys[i]!, ephemeralKey);
    sharedSecrets.push(ss);
    ephemeralPublicKeys.push(epk);
    if (i < publicKeys.length - 1) {
      const blindingFactor = backend.sha256(concatBytes(epk, ss));
      ephemeralKey = backend.privateKeyMul(ephemeralKey, blindingFactor);
    }
  }
  return { sharedSecrets, ephemeralPublicKeys };
}
