import type { CryptoBackend } from "../crypto/backend.ts";
import { ADDRESS_SIZE } from "../constants.ts";
import { InvalidLengthError, InvalidPublicKeyError } from "../errors.ts";
import { fromHex, toHex } from "./bytes.ts";

/** An Ethereum address as a 0x-prefixed hex string. */
export type AddressHex = `0x${string}`;

/** Ethereum address of a 65-byte uncompressed public key: last 20 bytes of keccak256(x ‖ y). */
export function publicKeyToAddress(backend: CryptoBackend, uncompressedPublicKey: Uint8Array): Uint8Array {
  if (uncompressedPublicKey.length !== 65 || uncompressedPublicKey[0] !== 4) throw new InvalidPublicKeyError({ what: "uncompressed public key" });
  return backend.keccak256(uncompressedPublicKey.subarray(1)).slice(12);
}

/** Ethereum address of a private key (one base-point multiplication with the back-end). */
export function privateKeyToAddress(backend: CryptoBackend, privateKey: Uint8Array): Uint8Array {
  return publicKeyToAddress(backend, backend.uncompressPublicKey(backend.publicKeyFromPrivate(privateKey)));
}

/** EIP-55 mixed-case checksum form of a 20-byte address. */
export function toChecksumAddress(backend: CryptoBackend, address: Uint8Array): AddressHex {
  if (address.length !== ADDRESS_SIZE) throw new InvalidLengthError({ what: "address", expected: ADDRESS_SIZE, actual: address.length });
  const lower = toHex(address);
  const hash = backend.keccak256(new TextEncoder().encode(lower));
  let out = "0x";
  for (let i = 0; i < 40; i++) {
    const nibble = (hash[i >> 1]! >> (i % 2 === 0 ? 4 : 0)) & 0xf;
    out += nibble >= 8 ? lower[i]!.toUpperCase() : lower[i]!;
  }
  return out as AddressHex;
}

/** 20 bytes from a 0x-prefixed address (any case; the checksum is not verified). */
export function addressFromHex(address: string): Uint8Array {
  return fromHex(address, ADDRESS_SIZE, "address");
}
