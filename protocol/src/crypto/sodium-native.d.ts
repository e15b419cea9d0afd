/** The part of sodium-native@5 (libsodium's N-API binding) that Sotto uses. Every call writes into its first argument. */
declare module "sodium-native" {
  /** Seals `message` into `ciphertext` (`message.byteLength + 16` bytes; may be the same memory). Returns the bytes written. */
  export function crypto_aead_chacha20poly1305_ietf_encrypt(
    ciphertext: Uint8Array,
    message: Uint8Array,
    additionalData: Uint8Array | null,
    nsec: null,
    nonce: Uint8Array,
    key: Uint8Array,
  ): number;
  /** `message` XOR ChaCha20(key, nonce, block counter 0) into `out` (may be the same memory). */
  export function crypto_stream_chacha20_ietf_xor(out: Uint8Array, message: Uint8Array, nonce: Uint8Array, key: Uint8Array): void;
  /** Opens `ciphertext` into `message` (may be the same memory). Throws "could not verify data" for a wrong tag. */
  export function crypto_aead_chacha20poly1305_ietf_decrypt(
    message: Uint8Array,
    nsec: null,
    ciphertext: Uint8Array,
    additionalData: Uint8Array | null,
    nonce: Uint8Array,
    key: Uint8Array,
  ): number;
}
