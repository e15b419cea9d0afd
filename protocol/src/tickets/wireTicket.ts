import type { CryptoBackend } from "../crypto/backend.ts";
import { ADDRESS_SIZE, ECDSA_SIGNATURE_SIZE, HASH_SIZE, TICKET_WIRE_SIZE } from "../constants.ts";
import { InvalidLengthError, TicketMismatchError, asProtocolError } from "../errors.ts";
import { type Presignature, signWithPresignature } from "../crypto/presign.ts";
import { parseRecoverableSignature } from "../crypto/scalars.ts";
import { type AddressHex, addressFromHex, privateKeyToAddress, publicKeyToAddress } from "../utils/address.ts";
import { ByteReader, encodeUint, equalBytes, isAllZero } from "../utils/bytes.ts";
import { type Ticket, type TicketDomain, computeChannelId, hashTicket } from "./ticket.ts";

/**
 * A ticket as it travels in PACKET and VOUCHER frames (149 bytes): payer (20) ‖ epoch u64 ‖
 * cumulative u128 ‖ index u64 ‖ challenge (32) ‖ signature r ‖ s ‖ v (65). The channel id is not sent:
 * the receiver derives it as keccak256(abi.encode(payer, itself)).
 */
export type WireTicket = {
  payer: Uint8Array;
  epoch: bigint;
  cumulative: bigint;
  index: bigint;
  challenge: Uint8Array;
  signature: Uint8Array;
};

export function encodeWireTicket(ticket: WireTicket): Uint8Array {
  const out = new Uint8Array(TICKET_WIRE_SIZE);
  writeWireTicket(out, 0, ticket);
  return out;
}

/** Writes the 149-byte wire ticket into `out` at `offset` (a frame, without an array of its own); returns the offset after it. */
export function writeWireTicket(out: Uint8Array, offset: number, ticket: WireTicket): number {
  if (ticket.payer.length !== ADDRESS_SIZE) throw new InvalidLengthError({ what: "ticket payer", expected: ADDRESS_SIZE, actual: ticket.payer.length });
  if (ticket.challenge.length !== HASH_SIZE) throw new InvalidLengthError({ what: "ticket challenge", expected: HASH_SIZE, actual: ticket.challenge.length });
  if (ticket.signature.length !== ECDSA_SIGNATURE_SIZE) throw new InvalidLengthError({ what: "ticket signature", expected: ECDSA_SIGNATURE_SIZE, actual: ticket.signature.length });
  if (out.length - offset < TICKET_WIRE_SIZE) throw new InvalidLengthError({ what: "wire ticket output", expected: TICKET_WIRE_SIZE, actual: Math.max(0, out.length - offset) });
  let o = offset;
  out.set(ticket.payer, o);
  o += 20;
  out.set(encodeUint(ticket.epoch, 8, "epoch"), o);
  o += 8;
  out.set(encodeUint(ticket.cumulative, 16, "cumulative"), o);
  o += 16;
  out.set(encodeUint(ticket.index, 8, "index"), o);
  o += 8;
  out.set(ticket.challenge, o);
  o += 32;
  out.set(ticket.signature, o);
  return o + ECDSA_SIGNATURE_SIZE;
}

/** Reads a 149-byte wire ticket. Checks the signature's form (v ∈ {27,28}, low s); not who signed it. */
export function readWireTicket(reader: ByteReader): WireTicket {
  // One copy for the whole ticket; its byte fields are views into it (every packet carries a ticket).
  const raw = new ByteReader(reader.copy(TICKET_WIRE_SIZE), "wire ticket");
  const payer = raw.take(ADDRESS_SIZE);
  const epoch = raw.uint(8);
  const cumulative = raw.uint(16);
  const index = raw.uint(8);
  const challenge = raw.take(HASH_SIZE);
  const signature = raw.take(ECDSA_SIGNATURE_SIZE);
  parseRecoverableSignature(signature);
  return { payer, epoch, cumulative, index, challenge, signature };
}

export function decodeWireTicket(bytes: Uint8Array): WireTicket {
  try {
    if (bytes.length !== TICKET_WIRE_SIZE) throw new InvalidLengthError({ what: "wire ticket", expected: TICKET_WIRE_SIZE, actual: bytes.length });
    return readWireTicket(new ByteReader(bytes, "wire ticket"));
  } catch (error) {
    throw asProtocolError(error, "decodeWireTicket");
  }
}

export type SignTicketParameters = {
  domain: TicketDomain | Uint8Array;
  /** The payer's Ethereum private key. */
  privateKey: Uint8Array;
  /** The receiving node's address (the channel's payee). */
  payee: AddressHex | Uint8Array;
  epoch: bigint;
  cumulative: bigint;
  index: bigint;
  challenge: Uint8Array;
  /** The payer's address; derived from `privateKey` when omitted (pass it on hot paths). */
  payer?: Uint8Array | undefined;
  /** keccak256(abi.encode(payer, payee)); computed when omitted (pass a cached one on hot paths). */
  channelId?: Uint8Array | undefined;
  /** Sign with this prepared nonce (used once, then dropped by the caller) instead of RFC 6979: see presign.ts. */
  presignature?: Presignature | undefined;
};

/** Signs a ticket (EIP-712; deterministic ECDSA unless a presignature is given) and returns it in wire form. */
export function signTicket(backend: CryptoBackend, p: SignTicketParameters): WireTicket {
  const payer = p.payer ?? privateKeyToAddress(backend, p.privateKey);
  const ticket: Ticket = {
    channelId: p.channelId ?? computeChannelId(backend, payer, p.payee),
    epoch: p.epoch,
    cumulative: p.cumulative,
    index: p.index,
    challenge: p.challenge,
  };
  const digest = hashTicket(backend, p.domain, ticket);
  const signature = p.presignature ? signWithPresignature(backend, digest, p.privateKey, p.presignature) : backend.ecdsaSign(digest, p.privateKey);
  return { payer, epoch: p.epoch, cumulative: p.cumulative, index: p.index, challenge: p.challenge.slice(), signature };
}

export type VerifyTicketParameters = {
  domain: TicketDomain | Uint8Array;
  ticket: WireTicket;
  /** This node's address: the payee the channel id is derived with. */
  payee: AddressHex | Uint8Array;
  /** When given, the ticket's challenge must equal it (the onion's incoming challenge). */
  expectedChallenge?: Uint8Array | undefined;
  /** channelId(ticket.payer, payee), if the caller already has it (hot paths); computed otherwise. */
  channelId?: Uint8Array | undefined;
};

export type VerifyTicketReturnType = {
  /** The EIP-712 ticket with the derived channel id (what the contract will see). */
  ticket: Ticket;
  digest: Uint8Array;
};

/**
 * Checks that the payer signed this ticket for the channel (payer → payee) in this domain, and
 * optionally its challenge. One ECDSA recovery (native with the native back-end). Throws
 * `InvalidSignatureError` or `TicketMismatchError`; stateful rules (epoch, index, cumulative, balance)
 * are the caller's (docs/protocol.md "Ticket rules").
 */
export function verifyTicket(backend: CryptoBackend, p: VerifyTicketParameters): VerifyTicketReturnType {
  try {
    const payee = typeof p.payee === "string" ? addressFromHex(p.payee) : p.payee;
    const ticket: Ticket = {
      channelId: p.channelId ?? computeChannelId(backend, p.ticket.payer, payee),
      epoch: p.ticket.epoch,
      cumulative: p.ticket.cumulative,
      index: p.ticket.index,
      challenge: p.ticket.challenge,
    };
    if (p.expectedChallenge && !equalBytes(p.expectedChallenge, p.ticket.challenge)) {
      throw new TicketMismatchError({ reason: "challenge differs from the onion's incoming challenge" });
    }
    const digest = hashTicket(backend, p.domain, ticket);
    const signer = publicKeyToAddress(backend, backend.ecdsaRecover(digest, p.ticket.signature));
    if (!equalBytes(signer, p.ticket.payer)) throw new TicketMismatchError({ reason: "signature is not the payer's" });
    return { ticket, digest };
  } catch (error) {
    throw asProtocolError(error, "verifyTicket");
  }
}

/** Whether a ticket is an unconditional voucher (all-zero challenge). */
export function isVoucher(ticket: { challenge: Uint8Array }): boolean {
  return isAllZero(ticket.challenge);
}
