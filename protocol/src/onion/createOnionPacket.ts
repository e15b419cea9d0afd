import type { CryptoBackend } from "../crypto/backend.ts";
import {
  HMAC_SIZE,
  KEY_LABEL_MU,
  KEY_LABEL_PAD,
  KEY_LABEL_RHO,
  MAX_ONION_PACKET_SIZE,
  ONION_OVERHEAD,
  ONION_VERSION,
  PUBLIC_KEY_SIZE,
  ROUTING_INFO_SIZE,
} from "../constants.ts";
import { InvalidParameterError, PayloadTooLargeError } from "../errors.ts";
import { bigSizeLength, writeBigSize } from "../tlv/bigsize.ts";
import { concatBytes, xorInPlace } from "../utils/bytes.ts";
import { computeSharedSecrets } from "./computeSharedSecrets.ts";
import { fillerFromStreams } from "./filler.ts";
import { deriveKey, generateCipherStream } from "./keys.ts";

export type OnionHop = {
  /** The key the hop's layer is encrypted to: its node id, or its blinded node id inside a blinded path. */
  publicKey: Uint8Array;
  /** The hop's TLV payload, without the BigSize length prefix. */
  payload: Uint8Array;
};

export type CreateOnionPacketParameters = {
  /** 32-byte secret scalar; MUST be fresh and random for every packet (injected, never generated here). */
  sessionKey: Uint8Array;
  hops: readonly OnionHop[];
  /** Committed to by every hop's HMAC (BOLT 4: payment hash for payments, empty for onion messages). */
  associatedData?: Uint8Array | undefined;
  /** Size of `hop_payloads`; default 1300 (BOLT 4 payments and every Sotto packet). */
  routingInfoSize?: number | undefined;
};

export type CreateOnionPacketReturnType = {
  /** `version ‖ public_key ‖ hop_payloads ‖ hmac`, `routingInfoSize + 66` bytes. */
  packet: Uint8Array;
  /** The shared secret of every hop, in route order (needed for acks, tickets and errors). */
  sharedSecrets: Uint8Array[];
};

/** Bytes a hop occupies in `hop_payloads`: bigsize(len) ‖ payload ‖ hmac. */
export function hopShiftSize(payloadLength: number): number {
  return bigSizeLength(payloadLength) + payloadLength + HMAC_SIZE;
}

/**
 * Builds a BOLT 4 version-0 onion (BOLT 4 "Packet Construction"): deterministic initial padding from
 * the `pad` key of the session key, filler for the variable-size hops, layers applied last hop first,
 * every HMAC over `hop_payloads ‖ associated_data`.
 *
 * @example
 * const { packet } = createOnionPacket(backend, { sessionKey, hops: [{ publicKey, payload }] });
 */
export function createOnionPacket(backend: CryptoBackend, parameters: CreateOnionPacketParameters): CreateOnionPacketReturnType {
  const routingInfoSize = checkRoute(parameters.hops.map((h) => h.payload), parameters.routingInfoSize);
  const { sharedSecrets, ephemeralPublicKeys } = computeSharedSecrets(
    backend,
    parameters.sessionKey,
    parameters.hops.map((h) => h.publicKey),
  );
  const packet = wrapOnion(backend, {
    sessionKey: parameters.sessionKey,
    sharedSecrets,
    firstEphemeralPublicKey: ephemeralPublicKeys[0]!,
    payloads: parameters.hops.map((h) => h.payload),
    associatedData: parameters.associatedData,
    routingInfoSize,
  });
  return { packet, sharedSecrets };
}

/** Validates payload sizes against the routing info; returns the routing info size. */
export function checkRoute(payloads: readonly Uint8Array[], routingInfoSize = ROUTING_INFO_SIZE): number {
  if (!Number.isInteger(routingInfoSize) || routingInfoSize < 0 || routingInfoSize + ONION_OVERHEAD > MAX_ONION_PACKET_SIZE) {
    throw new InvalidParameterError({ parameter: "routingInfoSize", reason: `must be an integer in [0, ${MAX_ONION_PACKET_SIZE - ONION_OVERHEAD}]` });
  }
  if (payloads.length === 0) throw new InvalidParameterError({ parameter: "hops", reason: "a route needs at least one hop" });
  let needed = 0;
  payloads.forEach((payload, i) => {
    if (!(payload instanceof Uint8Array)) throw new InvalidParameterError({ parameter: `hops[${i}].payload`, reason: "expected a Uint8Array" });
    needed += hopShiftSize(payload.length);
  });
  if (needed > routingInfoSize) throw new PayloadTooLargeError({ needed, available: routingInfoSize });
  return routingInfoSize;
}

export type WrapOnionParameters = {
  sessionKey: Uint8Array;
  /** From `computeSharedSecrets` (lets a sender derive acks before building the payloads). */
  sharedSecrets: readonly Uint8Array[];
  firstEphemeralPublicKey: Uint8Array;
  payloads: readonly Uint8Array[];
  associatedData?: Uint8Array | undefined;
  routingInfoSize?: number | undefined;
};

/** The symmetric part of packet construction, for callers that already computed the shared secrets. */
export function wrapOnion(backend: CryptoBackend, parameters: WrapOnionParameters): Uint8Array {
  const { sessionKey, sharedSecrets, payloads } = parameters;
  const routingInfoSize = checkRoute(payloads, parameters.routingInfoSize);
  if (sharedSecrets.length !== payloads.length) throw new InvalidParameterError({ parameter: "sharedSecrets", reason: "one per hop" });
  const associatedData = parameters.associatedData ?? new Uint8Array(0);
  const shiftSizes = payloads.map((p) => hopShiftSize(p.length));
  // One rho stream per hop: hops 0 … n-2 need `routingInfoSize + shift` bytes for the filler, and the
  // first `routingInfoSize` of them encrypt the hop's layer.
  const n = payloads.length;
  const streams = sharedSecrets.map((ss, i) =>
    generateCipherStream(backend, deriveKey(backend, KEY_LABEL_RHO, ss), routingInfoSize + (i < n - 1 ? shiftSizes[i]! : 0)),
  );
  const filler = fillerFromStreams(streams.slice(0, n - 1), shiftSizes);

  const padKey = deriveKey(backend, KEY_LABEL_PAD, sessionKey);
  const mixHeader = generateCipherStream(backend, padKey, routingInfoSize);
  let nextHmac: Uint8Array = new Uint8Array(HMAC_SIZE);

  for (let i = payloads.length - 1; i >= 0; i--) {
    const payload = payloads[i]!;
    const shift = shiftSizes[i]!;
    mixHeader.copyWithin(shift, 0, routingInfoSize - shift);
    let offset = writeBigSize(mixHeader, 0, payload.length);
    mixHeader.set(payload, offset);
    offset += payload.length;
    mixHeader.set(nextHmac, offset);
    xorInPlace(mixHeader, streams[i]!);
    if (i === payloads.length - 1) mixHeader.set(filler, routingInfoSize - filler.length);
    const mu = deriveKey(backend, KEY_LABEL_MU, sharedSecrets[i]!);
    nextHmac = backend.hmacSha256(mu, associatedData.length > 0 ? concatBytes(mixHeader, associatedData) : mixHeader);
  }

  const packet = new Uint8Array(routingInfoSize + ONION_OVERHEAD);
  packet[0] = ONION_VERSION;
  packet.set(parameters.firstEphemeralPublicKey, 1);
  packet.set(mixHeader, 1 + PUBLIC_KEY_SIZE);
  packet.set(nextHmac, 1 + PUBLIC_KEY_SIZE + routingInfoSize);
  return packet;
}
