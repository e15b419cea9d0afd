// Builds signed redemptions (ticket + response + payer signature) for PaymentChannels tests and scripts.
import { keccak256, recoverAddress, toHex, type Address, type Hex, type LocalAccount, type WalletClient } from "viem";
import {
  channelIdOf,
  challengeOf,
  hashTicket,
  signerAddress,
  signTicket,
  ticketDomain,
  ZERO_CHALLENGE,
  type Domain,
  type Ticket,
} from "./eip712.ts";

export type Redemption = {
  payer: Address;
  payee: Address;
  epoch: bigint;
  cumulative: bigint;
  index: bigint;
  challenge: Hex;
  response: Hex;
  signature: Hex;
};

export type RedemptionOptions = {
  chainId: number;
  channels: Address;
  payer: WalletClient | LocalAccount;
  payee: Address;
  cumulative: bigint;
  epoch?: bigint;
  index?: bigint;
  /** The 32-byte response; `null` for an unconditional voucher (challenge zero). Default: a fresh response. */
  response?: Hex | null;
  /** Signs under this domain instead of (chainId, channels). */
  domain?: Domain;
  /** Signs with this key instead of the payer's. */
  signer?: WalletClient | LocalAccount;
  /** Signs these ticket fields instead of the submitted ones. */
  signed?: Partial<Ticket>;
};

let responseCounter = 0;

/** A fresh, deterministic 32-byte response. */
export function nextResponse(): Hex {
  return keccak256(toHex(`response:${responseCounter++}`));
}

export async function makeRedemption(o: RedemptionOptions): Promise<Redemption> {
  const payer = signerAddress(o.payer);
  const response = o.response === undefined ? nextResponse() : o.response;
  const ticket: Ticket = {
    channelId: channelIdOf(payer, o.payee),
    epoch: o.epoch ?? 0n,
    cumulative: o.cumulative,
    index: o.index ?? 0n,
    challenge: response === null ? ZERO_CHALLENGE : challengeOf(response),
  };
  const signature = await signTicket(
    o.signer ?? o.payer,
    o.domain ?? ticketDomain(o.chainId, o.channels),
    { ...ticket, ...o.signed },
  );
  return {
    payer,
    payee: o.payee,
    epoch: ticket.epoch,
    cumulative: ticket.cumulative,
    index: ticket.index,
    challenge: ticket.challenge,
    response: response ?? ZERO_CHALLENGE,
    signature,
  };
}

/** The address the contract recovers from a redemption's signature over its submitted fields. */
export async function recoveredSigner(chainId: number, channels: Address, r: Redemption): Promise<Address> {
  const hash = hashTicket(ticketDomain(chainId, channels), {
    channelId: channelIdOf(r.payer, r.payee),
    epoch: r.epoch,
    cumulative: r.cumulative,
    index: r.index,
    challenge: r.challenge,
  });
  return recoverAddress({ hash, signature: r.signature });
}
