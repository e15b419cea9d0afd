import type { CryptoBackend } from "../crypto/backend.ts";
import {
  HMAC_SIZE,
  KEY_LABEL_BLINDED_NODE_ID,
  KEY_LABEL_MU,
  KEY_LABEL_RHO,
  MAX_ONION_PACKET_SIZE,
  MIN_HOP_PAYLOAD_SIZE,
  ONION_OVERHEAD,
  ONION_VERSION,
  PUBLIC_KEY_SIZE,
} from "../constants.ts";
import {
  InvalidLengthError,
  InvalidOnionHmacError,
  InvalidOnionPayloadError,
  InvalidParameterError,
  InvalidPublicKeyError,
  UnsupportedVersionError,
  asProtocolError,
} from "../errors.ts";
import { hasCompressedPointShape } from "../crypto/scalars.ts";
import { decodeBigSize } from "../tlv/bigsize.ts";
import { constantTimeEqual, isAllZero } from "../utils/bytes.ts";
import { ZERO_NONCE, deriveKey } from "./keys.ts";

export type PeelOnionPacketParameters = {
  /** A whole onion packet (`version ‖ public_key ‖ hop_payloads ‖ hmac`); its length sets the routing info size. */
  packet: Uint8Array;
  /** The processing node's (unblinded) private key. */
  privateKey: Uint8Array;
  associatedData?: Uint8Array | undefined;
  /** BOLT 4 route blinding: the `path_key` received with the onion (absent for plain hops). */
  pathKey?: Uint8Array | undefined;
};

export type PeelOnionPacketReturnType = {
  /** The hop's TLV payload (without the length prefix). */
  payload: Uint8Array;
  /** `ss = SHA256(k · public_key)` (with the blinded private key when `pathKey` is given). */
  sharedSecret: Uint8Array;
  /** `ECDH(path_key, node_privkey)` when `pathKey` is given: keys `encrypted_recipient_data` and the next path key. */
  pathKeySharedSecret: Uint8Array | undefined;
  /** All-zero next HMAC: this node is the final destination. */
  final: boolean;
  /** The onion to forward (same size), absent when `final`. */
  nextPacket: Uint8Array | undefined;
};

/** Checks version, size and public key encoding; returns the routing info size. */
export function checkOnionPacket(packet: Uint8Array): number {
  if (!(packet instanceof Uint8Array)) throw new InvalidParameterError({ parameter: "packet", reason: "expected a Uint8Array" });
  if (packet.length < ONION_OVERHEAD + MIN_HOP_PAYLOAD_SIZE || packet.length > MAX_ONION_PACKET_SIZE) {
    throw new InvalidLengthError({ what: "onion packet", expected: `${ONION_OVERHEAD + MIN_HOP_PAYLOAD_SIZE}…${MAX_ONION_PACKET_SIZE}`, actual: packet.length });
  }
  if (packet[0] !== ONION_VERSION) {
    throw new UnsupportedVersionError({ what: "onion packet", version: packet[0]!, supported: [ONION_VERSION] });
  }
  if (!hasCompressedPointShape(packet.subarray(1, 1 + PUBLIC_KEY_SIZE))) throw new InvalidPublicKeyError({ what: "onion public key" });
  return packet.length - ONION_OVERHEAD;
}

/**
 * Processes one onion layer (BOLT 4 "Onion Decryption"): ECDH with the (blinded) node key, constant-time
 * HMAC check over `hop_payloads ‖ associated_data`, rho-stream decryption, payload extraction, and the
 * next onion with the ephemeral key blinded by `SHA256(public_key ‖ ss)`.
 *
 * Public-key work: 2 operations for a plain hop (ECDH + blinding; 1 when final), 3 with `pathKey`
 * (plus the path-key ECDH; the node key is tweaked by a scalar multiplication, not a point one).
 * Throws only `BaseError`s: `InvalidOnionHmacError` for a wrong key / tampering.
 */
export function peelOnionPacket(backend: CryptoBackend, parameters: PeelOnionPacketParameters): PeelOnionPacketReturnType {
  try {
    return peel(backend, parameters);
  } catch (error) {
    throw asProtocolError(error, "peelOnionPacket");
  }
}

let workspaceBytes = new Uint8Array(0);
/** `public_key ‖ ss`, hashed into the blinding factor (65 bytes: an ArrayBuffer of its own if made per hop); zeroed after. */
const blindingInput = new Uint8Array(PUBLIC_KEY_SIZE + 32);

/**
 * `n` bytes of this thread's peel workspace: the HMAC's input and the padded routing info, deciphered in place
 * and zeroed after each peel. Why: both are onion-sized, so fresh arrays would be two ArrayBuffers per hop for
 * V8's next scavenge to sweep, inside its pause when the sweeping thread has no core
 * (bench/results/relay-profile.md). Results never keep a view of it: the payload and the next onion are copies.
 */
function workspace(n: number): Uint8Array {
  if (workspaceBytes.length < n) workspaceBytes = new Uint8Array(n);
  return workspaceBytes.subarray(0, n);
}

function peel(backend: CryptoBackend, { packet, privateKey, associatedData, pathKey }: PeelOnionPacketParameters): PeelOnionPacketReturnType {
  const routingInfoSize = checkOnionPacket(packet);
  const publicKey = packet.subarray(1, 1 + PUBLIC_KEY_SIZE);
  const routingInfo = packet.subarray(1 + PUBLIC_KEY_SIZE, 1 + PUBLIC_KEY_SIZE + routingInfoSize);
  const hmac = packet.subarray(1 + PUBLIC_KEY_SIZE + routingInfoSize);

  let nodeKey = privateKey;
  let pathKeySharedSecret: Uint8Array | undefined;
  if (pathKey !== undefined) {
    if (!hasCompressedPointShape(pathKey)) throw new InvalidPublicKeyError({ what: "path key" });
    pathKeySharedSecret = backend.ecdh(pathKey, privateKey);
    nodeKey = backend.privateKeyMul(privateKey, deriveKey(backend, KEY_LABEL_BLINDED_NODE_ID, pathKeySharedSecret));
  }
  const sharedSecret = backend.ecdh(publicKey, nodeKey);

  const mu = deriveKey(backend, KEY_LABEL_MU, sharedSecret);
  let macInput = routingInfo;
  if (associatedData && associatedData.length > 0) {
    macInput = workspace(routingInfoSize + associatedData.length);
    macInput.set(routingInfo, 0);
    macInput.set(associatedData, routingInfoSize);
  }
  const expected = backend.hmacSha256(mu, macInput);
  if (!constantTimeEqual(expected, hmac)) throw new InvalidOnionHmacError();

  const rho = deriveKey(backend, KEY_LABEL_RHO, sharedSecret);
  const padded = workspace(2 * routingInfoSize);
  try {
    padded.set(routingInfo, 0);
    padded.fill(0, routingInfoSize);
    return unwrap(backend, packet, publicKey, sharedSecret, pathKeySharedSecret, routingInfoSize, backend.chacha20(rho, ZERO_NONCE, padded, padded));
  } finally {
    padded.fill(0);
  }
}

/** Reads this hop's payload from the deciphered routing info and builds the next onion; keeps no view of `unwrapped`. */
function unwrap(
  backend: CryptoBackend,
  packet: Uint8Array,
  publicKey: Uint8Array,
  sharedSecret: Uint8Array,
  pathKeySharedSecret: Uint8Array | undefined,
  routingInfoSize: number,
  unwrapped: Uint8Array,
): PeelOnionPacketReturnType {
  let length: bigint;
  let start: number;
  try {
    const decoded = decodeBigSize(unwrapped, 0, "hop payload length");
    length = decoded.value;
    start = decoded.offset;
  } catch (cause) {
    throw new InvalidOnionPayloadError({ reason: "malformed length", cause });
  }
  if (length < BigInt(MIN_HOP_PAYLOAD_SIZE)) throw new InvalidOnionPayloadError({ reason: `length ${length} is reserved` });
  const shift = BigInt(start) + length + BigInt(HMAC_SIZE);
  if (shift > BigInt(routingInfoSize)) throw new InvalidOnionPayloadError({ reason: `length ${length} overruns the routing info` });
  const end = start + Number(length);
  const payload = unwrapped.slice(start, end);
  const nextHmac = unwrapped.subarray(end, end + HMAC_SIZE);
  const final = isAllZero(nextHmac);
  if (final) return { payload, sharedSecret, pathKeySharedSecret, final, nextPacket: undefined };

  blindingInput.set(publicKey, 0);
  blindingInput.set(sharedSecret, PUBLIC_KEY_SIZE);
  const blindingFactor = backend.sha256(blindingInput);
  blindingInput.fill(0);
  const nextPublicKey = backend.publicKeyMul(publicKey, blindingFactor);
  const nextPacket = new Uint8Array(packet.length);
  nextPacket[0] = ONION_VERSION;
  nextPacket.set(nextPublicKey, 1);
  const shiftBytes = end + HMAC_SIZE;
  nextPacket.set(unwrapped.subarray(shiftBytes, shiftBytes + routingInfoSize), 1 + PUBLIC_KEY_SIZE);
  nextPacket.set(nextHmac, 1 + PUBLIC_KEY_SIZE + routingInfoSize);
  return { payload, sharedSecret, pathKeySharedSecret, final, nextPacket };
}

