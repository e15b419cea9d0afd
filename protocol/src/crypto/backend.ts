/**
 * The one interface every cryptographic operation of `protocol/` goes through. Two implementations
 * produce identical bytes: the portable one (@noble/*, runs in browsers) and the native one
 * (libsecp256k1 and libsodium N-API add-ons + node:crypto, Node only, `protocol/src/native.ts`).
 *
 * Conventions: public keys are 33-byte compressed secp256k1 points, private keys and tweaks 32-byte
 * big-endian scalars in [1, n-1]. Every method throws only `BaseError` subclasses (`InvalidPublicKeyError`,
 * `InvalidPrivateKeyError`, `InvalidSignatureError`, `DecryptionFailedError`, `InvalidLengthError`).
 */
export interface CryptoBackend {
  /** "portable" or "native". */
  readonly name: string;
  /** True when the public-key operations run in native code. */
  readonly nativePublicKeyOps: boolean;

  /** BOLT 4 / libsecp256k1 ECDH: SHA256(compressed(privateKey · publicKey)). */
  ecdh(publicKey: Uint8Array, privateKey: Uint8Array): Uint8Array;
  /** `scalar · publicKey`, compressed. The scalar must be in [1, n-1]. */
  publicKeyMul(publicKey: Uint8Array, scalar: Uint8Array): Uint8Array;
  /** `privateKey · G`, compressed. */
  publicKeyFromPrivate(privateKey: Uint8Array): Uint8Array;
  /** The 65-byte uncompressed form (04 ‖ x ‖ y) of a compressed public key. */
  uncompressPublicKey(publicKey: Uint8Array): Uint8Array;
  /** `privateKey · tweak mod n` (new array; inputs untouched). Both in [1, n-1]. */
  privateKeyMul(privateKey: Uint8Array, tweak: Uint8Array): Uint8Array;
  /** `privateKey + tweak mod n` (new array; inputs untouched). `privateKey` in [1, n-1], `tweak` in [0, n-1]; a zero sum throws. */
  privateKeyAdd(privateKey: Uint8Array, tweak: Uint8Array): Uint8Array;
  /** A valid compressed point (prefix 02/03, on the curve). */
  isValidPublicKey(publicKey: Uint8Array): boolean;
  /** A scalar in [1, n-1]. */
  isValidPrivateKey(privateKey: Uint8Array): boolean;

  sha256(data: Uint8Array): Uint8Array;
  hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array;
  /**
   * ChaCha20 (RFC 8439, block counter 0) applied to `data`: `data XOR keystream(key, nonce)`, written to `out`
   * when given (`data.length` bytes; may be `data` itself) and returned, else to a new array.
   */
  chacha20(key: Uint8Array, nonce: Uint8Array, data: Uint8Array, out?: Uint8Array): Uint8Array;
  /** ChaCha20-Poly1305 (RFC 8439): ciphertext ‖ 16-byte tag. */
  chacha20Poly1305Seal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): Uint8Array;
  /** Inverse of `chacha20Poly1305Seal`; throws `DecryptionFailedError` if the tag does not verify. */
  chacha20Poly1305Open(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad?: Uint8Array): Uint8Array;

  /** Deterministic (RFC 6979) ECDSA over a 32-byte digest: r ‖ s ‖ v, low s, v ∈ {27, 28}. */
  ecdsaSign(digest: Uint8Array, privateKey: Uint8Array): Uint8Array;
  /** Recovers the 65-byte uncompressed public key from r ‖ s ‖ v; rejects high s and v ∉ {27, 28}. */
  ecdsaRecover(digest: Uint8Array, signature: Uint8Array): Uint8Array;
  /** Verifies r ‖ s (‖ v ignored) against a 33- or 65-byte public key; false for high s. */
  ecdsaVerify(digest: Uint8Array, signature: Uint8Array, publicKey: Uint8Array): boolean;
  keccak256(data: Uint8Array): Uint8Array;
}
