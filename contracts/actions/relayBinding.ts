import type { Address, Hex, LocalAccount } from "viem";

/** EIP-712 type of the node's consent to a relay record (docs/architecture.md). */
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

export function relayRegistryDomain(chainId: number, registry: Address) {
  return { name: "Sotto RelayRegistry", version: "1", chainId, verifyingContract: registry } as const;
}

export interface RelayParams {
  node: Address;
  onionKey: Hex;
  peerId: Hex;
  multiaddrs: string[];
  fee: bigint;
}

/** The node (hot key) signs that it consents to being operated by `operator` with this record. */
export function signRelayBinding(
  node: LocalAccount,
  parameters: { chainId: number; registry: Address; operator: Address; relay: RelayParams; nonce: bigint; deadline: bigint },
): Promise<Hex> {
  if (!node.signTypedData) throw new Error("the node account cannot sign typed data");
  return node.signTypedData({
    domain: relayRegistryDomain(parameters.chainId, parameters.registry),
    types: relayBindingTypes,
    primaryType: "RelayBinding",
    message: { operator: parameters.operator, ...parameters.relay, nonce: parameters.nonce, deadline: parameters.deadline },
  });
}
