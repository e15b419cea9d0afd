import type { LocalAccount, PublicClient } from "viem";
import { relayRegistryAbi } from "../generated/index.ts";
import { approveIfNeeded } from "./approveIfNeeded.ts";
import { signRelayBinding, type RelayParams } from "./relayBinding.ts";
import { sendContractTransaction, type SottoWalletClient } from "./sendTransaction.ts";
import type { SottoContracts } from "./types.ts";

export interface RegisterRelayParameters {
  contracts: SottoContracts;
  /** The relay's hot node key: signs its consent to the record. */
  node: LocalAccount;
  relay: Omit<RelayParams, "node">;
  stake: bigint;
  /** How long the node's signature stays valid. Default 1 hour. */
  signatureTtlSeconds?: bigint;
}

/**
 * Stakes and registers a relay: the node key signs the binding, the operator wallet (which may be a cold
 * key) approves the stake and sends `register`. Updates an existing record instead when `update` is set.
 */
export async function registerRelay(
  publicClient: PublicClient,
  operator: SottoWalletClient,
  parameters: RegisterRelayParameters & { update?: boolean },
): Promise<{ gasUsed: bigint; transactionHash: `0x${string}` }> {
  const { contracts, node, stake } = parameters;
  const relay: RelayParams = { node: node.address, ...parameters.relay };
  const [nonce, block, chainId] = await Promise.all([
    publicClient.readContract({ address: contracts.registry, abi: relayRegistryAbi, functionName: "nonces", args: [node.address] }),
    publicClient.getBlock(),
    publicClient.getChainId(),
  ]);
  const deadline = block.timestamp + (parameters.signatureTtlSeconds ?? 3600n);
  const signature = await signRelayBinding(node, { chainId, registry: contracts.registry, operator: operator.account.address, relay, nonce, deadline });
  if (parameters.update) {
    const receipt = await sendContractTransaction(publicClient, operator, {
      address: contracts.registry,
      abi: relayRegistryAbi,
      functionName: "updateRelay",
      args: [relay, deadline, signature],
    });
    return { gasUsed: receipt.gasUsed, transactionHash: receipt.transactionHash };
  }
  const approval = await approveIfNeeded(publicClient, operator, { token: contracts.token, spender: contracts.registry, amount: stake });
  const receipt = await sendContractTransaction(publicClient, operator, {
    address: contracts.registry,
    abi: relayRegistryAbi,
    functionName: "register",
    args: [relay, stake, deadline, signature],
  });
  return { gasUsed: receipt.gasUsed + (approval?.gasUsed ?? 0n), transactionHash: receipt.transactionHash };
}
