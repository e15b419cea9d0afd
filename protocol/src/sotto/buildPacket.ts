import type { CryptoBackend } from "../crypto/backend.ts";
import { HASH_SIZE, ROUTING_INFO_SIZE } from "../constants.ts";
import { InvalidParameterError, PayloadTooLargeError } from "../errors.ts";
import type { BlindedPath } from "../blinding/createBlindedPath.ts";
import { computeSharedSecrets } from "../onion/computeSharedSecrets.ts";
import { hopShiftSize, wrapOnion } from "../onion/createOnionPacket.ts";
import { type HopSecrets, deriveRouteAcks } from "./acks.ts";
import type { Fragment } from "./fragment.ts";
import { type PaidBlindedPath, type SottoHopPayload, encodeHopPayload } from "./hopPayload.ts";

/** A relay the sender routes through in the clear (a plain Sphinx hop). */
export type RouteHop = {
  /** The relay's onion public key (33 bytes, from the registry). */
  nodeId: Uint8Array;
  /** Its fee per packet (token base units). */
  fee: bigint;
};

/** Where the packet goes after the sender's route: a blinded path (usual) or a node id in the clear. */
export type PacketRecipient = PaidBlindedPath | { nodeId: Uint8Array };

export type BuildPacketParameters = {
  /** Fresh random 32-byte scalar for this packet (injected; never reuse). */
  sessionKey: Uint8Array;
  /** Plain relays, entry first (may be empty when the sender talks to the introduction node). */
  route: readonly RouteHop[];
  recipient: PacketRecipient;
  fragment: Fragment;
  /** A path the recipient can answer on (usually the sender's own address), with its fees. */
  replyPath?: PaidBlindedPath | undefined;
};

/** Per onion hop, in route order (the recipient last). */
export type BuiltHop = HopSecrets & {
  /** Whether the hop's layer is encrypted to a blinded node id. */
  blinded: boolean;
  /** The fee this hop keeps (0 for the recipient). */
  fee: bigint;
  /** The increment the ticket paying this hop must carry (undefined for the recipient). */
  amountIn: bigint | undefined;
  /** The challenge the ticket paying this hop carries: the next hop's `ackChallenge` (undefined for the recipient). */
  ticketChallenge: Uint8Array | undefined;
};

export type BuildPacketReturnType = {
  /** The 1366-byte onion for the PACKET frame. */
  onion: Uint8Array;
  /** Send the frame to this node (the entry relay, or the introduction node when `route` is empty). */
  firstNodeId: Uint8Array;
  /** The frame's path_key: the blinded path's first path key when `route` is empty, else undefined (zeros). */
  pathKey: Uint8Array | undefined;
  /** What the sender's ticket to the first hop must carry; undefined when the first hop is the recipient. */
  ticket: { amount: bigint; challenge: Uint8Array } | undefined;
  hops: BuiltHop[];
  /** keccak256 of the recipient's ack secret: a RECEIPT is genuine iff its recipient ack hashes to this. */
  receiptChallenge: Uint8Array;
};

type Plan = {
  onionKeys: Uint8Array[];
  fees: bigint[];
  amountIn: bigint[];
  blindedFrom: number;
  path: BlindedPath | undefined;
};

function plan(route: readonly RouteHop[], recipient: PacketRecipient): Plan {
  const path = "path" in recipient ? recipient.path : undefined;
  const onionKeys = route.map((h) => h.nodeId);
  const fees = route.map((h) => h.fee);
  if (path) {
    if (path.hops.length < 1) throw new InvalidParameterError({ parameter: "recipient.path", reason: "needs at least one hop" });
    if ((recipient as PaidBlindedPath).fees.length !== path.hops.length - 1) {
      throw new InvalidParameterError({ parameter: "recipient.fees", reason: "one fee per blinded hop except the last" });
    }
    for (const hop of path.hops) onionKeys.push(hop.blindedNodeId);
    fees.push(...(recipient as PaidBlindedPath).fees);
  } else {
    onionKeys.push((recipient as { nodeId: Uint8Array }).nodeId);
  }
  fees.push(0n);
  for (const fee of fees) {
    if (typeof fee !== "bigint" || fee < 0n) throw new InvalidParameterError({ parameter: "fee", reason: "must be a non-negative bigint" });
  }
  const n = onionKeys.length;
  const amountIn = new Array<bigint>(n).fill(0n);
  let sum = 0n;
  for (let i = n - 2; i >= 0; i--) {
    sum += fees[i]!;
    amountIn[i] = sum;
  }
  return { onionKeys, fees, amountIn, blindedFrom: path ? route.length : n, path };
}

/** The payload of every hop, given each hop's ack challenge (placeholders when only sizes matter). */
function payloads(
  p: Plan,
  challenges: readonly Uint8Array[],
  fragment: Fragment,
  replyPath: PaidBlindedPath | undefined,
): SottoHopPayload[] {
  const n = p.onionKeys.length;
  const out: SottoHopPayload[] = [];
  for (let i = 0; i < n; i++) {
    const blinded = i >= p.blindedFrom;
    const payload: SottoHopPayload = {};
    if (blinded) payload.encryptedRecipientData = p.path!.hops[i - p.blindedFrom]!.encryptedRecipientData;
    if (i < n - 1) {
      payload.incomingChallenge = challenges[i + 1]!;
      payload.amountIn = p.amountIn[i]!;
      if (i + 1 < n - 1) {
        payload.outgoingChallenge = challenges[i + 2]!;
        payload.amountOut = p.amountIn[i + 1]!;
      }
      if (!blinded) {
        if (p.path && i + 1 === p.blindedFrom) {
          payload.nextNodeId = p.path.introductionNodeId;
          payload.nextPathKey = p.path.pathKey;
        } else {
          payload.nextNodeId = p.onionKeys[i + 1]!;
        }
      }
    } else {
      payload.fragment = fragment;
      if (replyPath) payload.replyPath = replyPath;
    }
    out.push(payload);
  }
  return out;
}

/**
 * Sender side of a Sotto packet: the onion to the route's relays and then into the recipient's blinded
 * path, with each hop's ticket terms (challenges and amounts) and the recipient's fragment, plus every
 * hop's secrets so the sender can attach its ticket, check ACKs and the delivery receipt. Pure and
 * deterministic in `sessionKey`. Public-key work: 2 operations per hop (ECDH + base-point multiplication).
 */
export function buildPacket(backend: CryptoBackend, parameters: BuildPacketParameters): BuildPacketReturnType {
  const { sessionKey, route, recipient, fragment, replyPath } = parameters;
  const p = plan(route, recipient);
  const { sharedSecrets, ephemeralPublicKeys } = computeSharedSecrets(backend, sessionKey, p.onionKeys);
  const secrets = deriveRouteAcks(backend, sharedSecrets);
  const encoded = payloads(p, secrets.map((s) => s.ackChallenge), fragment, replyPath).map(encodeHopPayload);
  const onion = wrapOnion(backend, {
    sessionKey,
    sharedSecrets,
    firstEphemeralPublicKey: ephemeralPublicKeys[0]!,
    payloads: encoded,
    routingInfoSize: ROUTING_INFO_SIZE,
  });
  const n = p.onionKeys.length;
  const hops: BuiltHop[] = secrets.map((s, i) => ({
    ...s,
    blinded: i >= p.blindedFrom,
    fee: p.fees[i]!,
    amountIn: i < n - 1 ? p.amountIn[i] : undefined,
    ticketChallenge: i < n - 1 ? secrets[i + 1]!.ackChallenge : undefined,
  }));
  const firstNodeId = route.length > 0 ? route[0]!.nodeId : p.path ? p.path.introductionNodeId : p.onionKeys[0]!;
  return {
    onion,
    firstNodeId,
    pathKey: route.length === 0 && p.path ? p.path.pathKey : undefined,
    ticket: n >= 2 ? { amount: p.amountIn[0]!, challenge: secrets[1]!.ackChallenge } : undefined,
    hops,
    receiptChallenge: secrets[n - 1]!.ackChallenge,
  };
}

export type FragmentCapacityParameters = Omit<BuildPacketParameters, "sessionKey" | "fragment">;

/**
 * The most message bytes one packet can carry on this route (with this reply path), so that
 * `splitMessage` can cut a message to fit. Pure arithmetic on encoded sizes; no cryptography.
 * Throws `PayloadTooLargeError` if not even an empty fragment fits.
 */
export function fragmentCapacity({ route, recipient, replyPath }: FragmentCapacityParameters): number {
  const p = plan(route, recipient);
  const placeholder = new Uint8Array(HASH_SIZE);
  const challenges = p.onionKeys.map(() => placeholder);
  const empty: Fragment = { messageId: new Uint8Array(16), index: 0, count: 1, data: new Uint8Array(0) };
  const sizes = payloads(p, challenges, empty, replyPath).map((pl) => encodeHopPayload(pl).length);
  let used = 0;
  for (let i = 0; i < sizes.length - 1; i++) used += hopShiftSize(sizes[i]!);
  const available = ROUTING_INFO_SIZE - used;
  const finalEmpty = sizes[sizes.length - 1]!;
  // The fragment record's length prefix and the final payload's own prefix grow with the data: the
  // first guess ignores that growth, then shrink until it fits (at most a few steps).
  const fits = (dataLength: number): boolean => {
    const recordGrowth = bigSizeGrowth(20, 20 + dataLength);
    return hopShiftSize(finalEmpty + dataLength + recordGrowth) <= available;
  };
  let capacity = available - hopShiftSize(finalEmpty);
  while (capacity > 0 && !fits(capacity)) capacity--;
  if (capacity < 0 || !fits(Math.max(capacity, 0))) {
    throw new PayloadTooLargeError({ needed: used + hopShiftSize(finalEmpty), available: ROUTING_INFO_SIZE });
  }
  return capacity;
}

function bigSizeGrowth(from: number, to: number): number {
  const size = (v: number) => (v < 0xfd ? 1 : v <= 0xffff ? 3 : 5);
  return size(to) - size(from);
}
