import type { CryptoBackend } from "../crypto/backend.ts";
import {
  ADDRESS_SIZE,
  EIP712_DOMAIN_NAME,
  EIP712_DOMAIN_TYPE,
  EIP712_DOMAIN_VERSION,
  HASH_SIZE,
  MAX_U128,
  MAX_U64,
  TICKET_TYPE,
} from "../constants.ts";
import { InvalidLengthError, InvalidParameterError } from "../errors.ts";
import { type AddressHex, addressFromHex } from "../utils/address.ts";
import { concatInto, encodeUint, toHex } from "../utils/bytes.ts";

/** The EIP-712 domain of PaymentChannels (docs/architecture.md); name and version are fixed. */
export type TicketDomain = {
  chainId: bigint | number;
  /** The PaymentChannels contract. */
  verifyingContract: AddressHex | Uint8Array;
};

/** The signed ticket: EIP-712 `Ticket(bytes32 channelId,uint64 epoch,uint128 cumulative,uint64 index,bytes32 challenge)`. */
export type Ticket = {
  channelId: Uint8Array;
  epoch: bigint;
  cumulative: bigint;
  index: bigint;
  /** keccak256(response); all-zero for an unconditional voucher. */
  challenge: Uint8Array;
};

const encoder = new TextEncoder();
const typeHashCache = new WeakMap<CryptoBackend, { ticket: Uint8Array; domain: Uint8Array; name: Uint8Array; version: Uint8Array }>();

function typeHashes(backend: CryptoBackend) {
  let cached = typeHashCache.get(backend);
  if (!cached) {
    cached = {
      ticket: backend.keccak256(encoder.encode(TICKET_TYPE)),
      domain: backend.keccak256(encoder.encode(EIP712_DOMAIN_TYPE)),
      name: backend.keccak256(encoder.encode(EIP712_DOMAIN_NAME)),
      version: backend.keccak256(encoder.encode(EIP712_DOMAIN_VERSION)),
    };
    typeHashCache.set(backend, cached);
  }
  return cached;
}

/** The longest keccak input here: the ticket's type hash and its five fields. */
const keccakInput = new Uint8Array(6 * 32);

/**
 * keccak256 of the parts one after another, assembled in one reused buffer. Why: each input here is over 64
 * bytes, so a fresh array of its own would be an ArrayBuffer, which V8's next scavenge sweeps, inside its
 * pause when the sweeping thread has no core; a relay hashes two per packet on each of its threads that sign
 * or check tickets (bench/results/relay-profile.md). Nothing here is secret: the buffer is not cleared.
 */
function keccakOfParts(backend: CryptoBackend, ...parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  return backend.keccak256(concatInto(parts, keccakInput.subarray(0, length)));
}

const TYPED_DATA_PREFIX = Uint8Array.of(0x19, 0x01);

function word(value: bigint, max: bigint, what: string): Uint8Array {
  if (typeof value !== "bigint" || value < 0n || value > max) throw new InvalidParameterError({ parameter: what, reason: `must be a bigint in [0, ${max}]` });
  return encodeUint(value, 32, what);
}

function bytes32(value: Uint8Array, what: string): Uint8Array {
  if (!(value instanceof Uint8Array) || value.length !== HASH_SIZE) throw new InvalidLengthError({ what, expected: HASH_SIZE, actual: value?.length ?? 0 });
  return value;
}

function addressWord(address: AddressHex | Uint8Array, what: string): Uint8Array {
  const bytes = typeof address === "string" ? addressFromHex(address) : address;
  if (bytes.length !== ADDRESS_SIZE) throw new InvalidLengthError({ what, expected: ADDRESS_SIZE, actual: bytes.length });
  const out = new Uint8Array(32);
  out.set(bytes, 12);
  return out;
}

/** EIP-712 domain separator of PaymentChannels; relays compute it once per deployment. */
export function hashTicketDomain(backend: CryptoBackend, domain: TicketDomain): Uint8Array {
  const h = typeHashes(backend);
  return keccakOfParts(backend, h.domain, h.name, h.version, word(BigInt(domain.chainId), (1n << 256n) - 1n, "chainId"), addressWord(domain.verifyingContract, "verifyingContract"));
}

/** EIP-712 `hashStruct(Ticket)`. */
export function hashTicketStruct(backend: CryptoBackend, ticket: Ticket): Uint8Array {
  const h = typeHashes(backend);
  return keccakOfParts(
    backend,
    h.ticket,
    bytes32(ticket.channelId, "channelId"),
    word(ticket.epoch, MAX_U64, "epoch"),
    word(ticket.cumulative, MAX_U128, "cumulative"),
    word(ticket.index, MAX_U64, "index"),
    bytes32(ticket.challenge, "challenge"),
  );
}

/**
 * The digest the payer signs: `keccak256(0x1901 ‖ domainSeparator ‖ hashStruct(ticket))` — identical to
 * viem's `hashTypedData` and OpenZeppelin's `_hashTypedDataV4`. Pass a precomputed `domainSeparator`
 * (from `hashTicketDomain`) on hot paths.
 */
export function hashTicket(backend: CryptoBackend, domain: TicketDomain | Uint8Array, ticket: Ticket): Uint8Array {
  const separator = domain instanceof Uint8Array ? bytes32(domain, "domainSeparator") : hashTicketDomain(backend, domain);
  // The struct hash first: it uses the same input buffer.
  const structHash = hashTicketStruct(backend, ticket);
  return keccakOfParts(backend, TYPED_DATA_PREFIX, separator, structHash);
}

/** `keccak256(abi.encode(address payer, address payee))` (docs/architecture.md). */
export function computeChannelId(backend: CryptoBackend, payer: AddressHex | Uint8Array, payee: AddressHex | Uint8Array): Uint8Array {
  return keccakOfParts(backend, addressWord(payer, "payer"), addressWord(payee, "payee"));
}

/**
 * The ticket as EIP-712 typed data in the shape viem's `signTypedData` / wallets' `eth_signTypedData_v4`
 * take, for payers whose key lives in a wallet.
 */
export function ticketTypedData(domain: TicketDomain, ticket: Ticket) {
  const verifyingContract = (typeof domain.verifyingContract === "string" ? domain.verifyingContract : toHex(domain.verifyingContract, true)) as AddressHex;
  return {
    domain: { name: EIP712_DOMAIN_NAME, version: EIP712_DOMAIN_VERSION, chainId: BigInt(domain.chainId), verifyingContract },
    types: {
      Ticket: [
        { name: "channelId", type: "bytes32" },
        { name: "epoch", type: "uint64" },
        { name: "cumulative", type: "uint128" },
        { name: "index", type: "uint64" },
        { name: "challenge", type: "bytes32" },
      ],
    },
    primaryType: "Ticket" as const,
    message: {
      channelId: toHex(ticket.channelId, true) as `0x${string}`,
      epoch: ticket.epoch,
      cumulative: ticket.cumulative,
      index: ticket.index,
      challenge: toHex(ticket.challenge, true) as `0x${string}`,
    },
  };
}
