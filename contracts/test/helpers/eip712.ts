// Off-chain EIP-712 for the contracts' tests, written from docs/architecture.md with viem only (no contract
// code): the tests check that the contracts' digests equal these and that signatures made here verify on chain.
import {
  encodeAbiParameters,
  hashTypedData,
  keccak256,
  type Address,
  type Hex,
  type LocalAccount,
  type WalletClient,
} from "viem";

export const ticketTypes = {
  Ticket: [
    { name: "channelId", type: "bytes32" },
    { name: "epoch", type: "uint64" },
    { name: "cumulative", type: "uint128" },
    { name: "index", type: "uint64" },
    { name: "challenge", type: "bytes32" },
  ],
} as const;

export const relayBindingTypes = {
  RelayBinding: [
    { name: "operator", type: "address" },
    { name: "node", type: "address" },
    { name: "onionKey", type: "bytes" },
    { name: "peerId", type: "bytes" },
    { name: "multiaddrs", type: "string[]" },
    { name: "fee", type: "uint128" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint64" },
  ],
} as const;

export type Domain = { name: string; version: string; chainId: number; verifyingContract: Address };

export function ticketDomain(chainId: number, verifyingContract: Address): Domain {
  return { name: "Sotto PaymentChannels", version: "1", chainId, verifyingContract };
}

export function registryDomain(chainId: number, verifyingContract: Address): Domain {
  return { name: "Sotto RelayRegistry", version: "1", chainId, verifyingContract };
}

export type Ticket = { channelId: Hex; epoch: bigint; cumulative: bigint; index: bigint; challenge: Hex };

export type RelayBinding = {
  operator: Address;
  node: Address;
  onionKey: Hex;
  peerId: Hex;
  multiaddrs: readonly string[];
  fee: bigint;
  nonce: bigint;
  deadline: bigint;
};

export const ZERO_CHALLENGE: Hex = `0x${"00".repeat(32)}`;

/** `keccak256(abi.encode(payer, payee))`. */
export function channelIdOf(payer: Address, payee: Address): Hex {
  return keccak256(encodeAbiParameters([{ type: "address" }, { type: "address" }], [payer, payee]));
}

/** The challenge a 32-byte response opens: `keccak256(response)`. */
export function challengeOf(response: Hex): Hex {
  return keccak256(response);
}

export function hashTicket(domain: Domain, ticket: Ticket): Hex {
  return hashTypedData({ domain, types: ticketTypes, primaryType: "Ticket", message: ticket });
}

export function hashRelayBinding(domain: Domain, binding: RelayBinding): Hex {
  return hashTypedData({ domain, types: relayBindingTypes, primaryType: "RelayBinding", message: binding });
}

/**
 * Signs a ticket with viem's `signTypedData`: a local account signs in process, a wallet client's account
 * (e.g. a node-managed Hardhat account) signs over RPC (`eth_signTypedData_v4`).
 */
export async function signTicket(signer: LocalAccount | WalletClient, domain: Domain, ticket: Ticket): Promise<Hex> {
  const typedData = { domain, types: ticketTypes, primaryType: "Ticket", message: ticket } as const;
  if (isLocalAccount(signer)) return signer.signTypedData(typedData);
  if (signer.account === undefined) throw new Error("the wallet client has no account");
  return signer.signTypedData({ account: signer.account, ...typedData });
}

export function isLocalAccount(signer: LocalAccount | WalletClient): signer is LocalAccount {
  return signer.type === "local";
}

/** The address of a local account or of a wallet client's account. */
export function signerAddress(signer: LocalAccount | WalletClient): Address {
  if (isLocalAccount(signer)) return signer.address;
  if (signer.account === undefined) throw new Error("the wallet client has no account");
  return signer.account.address;
}

export async function signRelayBinding(signer: LocalAccount, domain: Domain, binding: RelayBinding): Promise<Hex> {
  return signer.signTypedData({ domain, types: relayBindingTypes, primaryType: "RelayBinding", message: binding });
}
