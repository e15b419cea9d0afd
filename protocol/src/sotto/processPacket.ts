import type { CryptoBackend } from "../crypto/backend.ts";
import { ONION_PACKET_SIZE, TLV_SOTTO_AMOUNT_OUT } from "../constants.ts";
import {
  InvalidLengthError,
  MissingFieldError,
  TlvValueError,
  UnexpectedFieldError,
  asProtocolError,
} from "../errors.ts";
import type { EncryptedDataTlv } from "../blinding/encryptedDataTlv.ts";
import { decryptRecipientData } from "../blinding/unblind.ts";
import { peelOnionPacket } from "../onion/peelOnionPacket.ts";
import { deriveAckSecret, deriveReplayTag } from "./acks.ts";
import type { Fragment } from "./fragment.ts";
import { type PaidBlindedPath, type SottoHopPayload, decodeHopPayload } from "./hopPayload.ts";

export type ProcessPacketParameters = {
  /** The 1366-byte onion of the PACKET frame. */
  onion: Uint8Array;
  /** The frame's path_key, undefined when it was all zero. */
  pathKey?: Uint8Array | undefined;
  /** This node's onion private key. */
  privateKey: Uint8Array;
};

type Common = {
  /** The layer was encrypted to this node's blinded id (a path key came with it). */
  blinded: boolean;
  sharedSecret: Uint8Array;
  /** Sent upstream in ACK once the packet is accepted; the response to the ticket of the hop before. */
  ackSecret: Uint8Array;
  /** 16 bytes for the replay cache: a packet whose tag was seen before MUST be dropped. */
  replayTag: Uint8Array;
  /** The decrypted `encrypted_data_tlv` (blinded hops only). */
  recipientData: EncryptedDataTlv | undefined;
};

/** A relay's instructions for a packet it must forward. */
export type ForwardInstruction = Common & {
  type: "forward";
  /** The incoming ticket's challenge MUST equal this. */
  incomingChallenge: Uint8Array;
  /** The incoming ticket MUST add at least this to the payer's confirmed total. */
  amountIn: bigint;
  /** The outgoing ticket's terms; undefined when the next hop is the recipient (no ticket). */
  outgoing: { challenge: Uint8Array; amount: bigint } | undefined;
  /** Send the next frame to this node id (onion key). */
  nextNodeId: Uint8Array;
  /** The next frame's path_key (undefined: all zero). */
  nextPathKey: Uint8Array | undefined;
  /** The next frame's onion. */
  nextOnion: Uint8Array;
};

/** The recipient's view of a packet addressed to it. */
export type DeliverInstruction = Common & {
  type: "deliver";
  fragment: Fragment;
  replyPath: PaidBlindedPath | undefined;
  /** From the recipient's own `encrypted_data_tlv`: it MUST match a path it published, else ignore. */
  pathId: Uint8Array | undefined;
};

export type ProcessPacketReturnType = ForwardInstruction | DeliverInstruction;

const WHAT = "Sotto hop payload";

function forbid(payload: SottoHopPayload, fields: readonly (keyof SottoHopPayload)[], role: string): void {
  for (const field of fields) {
    if (payload[field] !== undefined) throw new UnexpectedFieldError({ what: WHAT, field, reason: `not allowed for a ${role}` });
  }
}

function need<T>(value: T | undefined, field: string): T {
  if (value === undefined) throw new MissingFieldError({ what: WHAT, field });
  return value;
}

/**
 * Relay (and recipient) side of a Sotto packet: peels the layer (plain, or blinded when `pathKey` is
 * given), decodes and checks the payload for the node's role, decrypts the recipient data of blinded
 * hops, and derives the ack secret and replay tag. Pure; the caller checks the replay tag, the ticket
 * (`verifyTicket` with `incomingChallenge`, then its ledger with `amountIn`) and forwards.
 *
 * Public-key work: plain hop 2 operations (ECDH, blinding); blinded hop 4 (path-key ECDH, ECDH,
 * blinding, next path key; 3 with `next_path_key_override`); recipient 1 (+1 when blinded).
 * Throws only `BaseError`s.
 */
export function processPacket(backend: CryptoBackend, parameters: ProcessPacketParameters): ProcessPacketReturnType {
  try {
    return process(backend, parameters);
  } catch (error) {
    throw asProtocolError(error, "processPacket");
  }
}

function process(backend: CryptoBackend, { onion, pathKey, privateKey }: ProcessPacketParameters): ProcessPacketReturnType {
  if (onion.length !== ONION_PACKET_SIZE) throw new InvalidLengthError({ what: "Sotto onion", expected: ONION_PACKET_SIZE, actual: onion.length });
  const peeled = peelOnionPacket(backend, { packet: onion, privateKey, pathKey });
  const payload = decodeHopPayload(peeled.payload);
  const blinded = pathKey !== undefined;
  let recipientData: EncryptedDataTlv | undefined;
  let derivedNextPathKey: Uint8Array | undefined;
  if (blinded) {
    const encryptedRecipientData = need(payload.encryptedRecipientData, "encrypted_recipient_data");
    const decrypted = decryptRecipientData(backend, {
      encryptedRecipientData,
      pathKey,
      pathKeySharedSecret: peeled.pathKeySharedSecret,
      computeNextPathKey: !peeled.final,
    });
    recipientData = decrypted.data;
    if (!peeled.final) derivedNextPathKey = decrypted.nextPathKey;
  } else if (payload.encryptedRecipientData !== undefined) {
    throw new UnexpectedFieldError({ what: WHAT, field: "encrypted_recipient_data", reason: "no path key came with the onion" });
  }
  const common: Common = {
    blinded,
    sharedSecret: peeled.sharedSecret,
    ackSecret: deriveAckSecret(backend, peeled.sharedSecret),
    replayTag: deriveReplayTag(backend, peeled.sharedSecret),
    recipientData,
  };

  if (peeled.final) {
    forbid(payload, ["nextNodeId", "nextPathKey", "incomingChallenge", "outgoingChallenge", "amountIn", "amountOut"], "recipient");
    return {
      ...common,
      type: "deliver",
      fragment: need(payload.fragment, "fragment"),
      replyPath: payload.replyPath,
      pathId: recipientData?.pathId,
    };
  }

  forbid(payload, ["fragment", "replyPath"], "forwarding hop");
  const incomingChallenge = need(payload.incomingChallenge, "incoming challenge");
  const amountIn = need(payload.amountIn, "amount in");
  if ((payload.outgoingChallenge === undefined) !== (payload.amountOut === undefined)) {
    throw new MissingFieldError({ what: WHAT, field: payload.outgoingChallenge ? "amount out" : "outgoing challenge" });
  }
  if (payload.amountOut !== undefined && payload.amountOut > amountIn) {
    throw new TlvValueError({ type: TLV_SOTTO_AMOUNT_OUT, reason: `amount out ${payload.amountOut} exceeds amount in ${amountIn}` });
  }
  const outgoing = payload.outgoingChallenge ? { challenge: payload.outgoingChallenge, amount: payload.amountOut! } : undefined;

  let nextNodeId: Uint8Array;
  let nextPathKey: Uint8Array | undefined;
  if (blinded) {
    forbid(payload, ["nextNodeId", "nextPathKey"], "blinded hop (its next hop comes from the recipient data)");
    if (recipientData!.pathId !== undefined) throw new UnexpectedFieldError({ what: "encrypted_data_tlv", field: "path_id", reason: "only the final hop may have one" });
    nextNodeId = need(recipientData!.nextNodeId, "encrypted_data_tlv next_node_id");
    nextPathKey = derivedNextPathKey;
  } else {
    nextNodeId = need(payload.nextNodeId, "next node id");
    nextPathKey = payload.nextPathKey;
  }
  return {
    ...common,
    type: "forward",
    incomingChallenge,
    amountIn,
    outgoing,
    nextNodeId,
    nextPathKey,
    nextOnion: peeled.nextPacket!,
  };
}
