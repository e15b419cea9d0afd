// Deterministic relay records for the registry tests: a node account, a real secp256k1 onion key, a peer id and
// multiaddrs, plus the node's RelayBinding signature.
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { bytesToHex, concat, hexToBytes, keccak256, toHex, type Address, type Hex, type LocalAccount } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { hashRelayBinding, registryDomain, signRelayBinding, type Domain } from "./eip712.ts";

export type RelayParams = {
  node: Address;
  onionKey: Hex;
  peerId: Hex;
  multiaddrs: string[];
  fee: bigint;
};

export type TestRelay = { node: LocalAccount; params: RelayParams };

/** A compressed secp256k1 public key derived from `label`. */
export function onionKeyOf(label: string): Hex {
  return bytesToHex(secp256k1.getPublicKey(hexToBytes(keccak256(toHex(`onion:${label}`))), true));
}

/** An Ed25519-style peer id (identity multihash of a protobuf public key): 38 bytes. */
export function peerIdOf(label: string): Hex {
  return concat(["0x002408011220", keccak256(toHex(`peer:${label}`))]);
}

export function makeRelay(label: string | number, fee = 10n): TestRelay {
  const node = privateKeyToAccount(keccak256(toHex(`node:${label}`)));
  return {
    node,
    params: {
      node: node.address,
      onionKey: onionKeyOf(String(label)),
      peerId: peerIdOf(String(label)),
      multiaddrs: [`/ip4/127.0.0.1/tcp/${4000 + (hashNumber(label) % 1000)}`, `/dns4/relay-${label}.example/tcp/443/wss`],
      fee,
    },
  };
}

function hashNumber(label: string | number): number {
  return Number(BigInt(keccak256(toHex(String(label)))) % 100_000n);
}

export type BindingOptions = {
  chainId: number;
  registry: Address;
  operator: Address;
  nonce: bigint;
  deadline: bigint;
  /** Signs with this account instead of the node. */
  signer?: LocalAccount;
  /** Overrides fields of the signed record (to produce a signature over something else). */
  signed?: Partial<RelayParams> & { operator?: Address };
};

export function bindingOf(params: RelayParams, o: BindingOptions) {
  return {
    operator: o.signed?.operator ?? o.operator,
    node: o.signed?.node ?? params.node,
    onionKey: o.signed?.onionKey ?? params.onionKey,
    peerId: o.signed?.peerId ?? params.peerId,
    multiaddrs: o.signed?.multiaddrs ?? params.multiaddrs,
    fee: o.signed?.fee ?? params.fee,
    nonce: o.nonce,
    deadline: o.deadline,
  };
}

export function bindingDomain(o: Pick<BindingOptions, "chainId" | "registry">): Domain {
  return registryDomain(o.chainId, o.registry);
}

export function bindingDigest(params: RelayParams, o: BindingOptions): Hex {
  return hashRelayBinding(bindingDomain(o), bindingOf(params, o));
}

export async function signBinding(relay: TestRelay, o: BindingOptions): Promise<Hex> {
  return signRelayBinding(o.signer ?? relay.node, bindingDomain(o), bindingOf(relay.params, o));
}
