import { join } from "node:path";
import { sendContractTransaction } from "#contracts";
import { relayRegistryAbi } from "#contracts/generated";
import { loadKeyFile, loadRelayConfig } from "#relay";
import type { Address } from "viem";
import type { Command } from "../../command.ts";
import { readPrivateKey, requireFlag } from "../../options/parse.ts";
import { connectChain } from "../../util/chainClients.ts";

function operatorCommand(name: "unstake" | "withdraw"): Command {
  const fn = name === "unstake" ? "requestUnstake" : "withdraw";
  return {
    path: ["relay", name],
    summary: name === "unstake" ? "Deactivate the relay and start unbonding its stake (operator)" : "After unbonding, return the stake to the operator and delete the record",
    usage: "--config <relay.json> [--operator-key-file <file>]",
    options: { config: { type: "string", short: "c" }, "operator-key-file": { type: "string" } },
    descriptions: { config: "relay config file", "operator-key-file": "file with the operator's private key (or set $SOTTO_OPERATOR_KEY)" },
    run: async ({ values, io }) => {
      const config = loadRelayConfig(requireFlag(values, "config", "the relay config file"));
      const node = loadKeyFile(join(config.dataDir, "keys.json")).node.address;
      const operatorKey = readPrivateKey(values, "operator-key-file", "SOTTO_OPERATOR_KEY");
      const { publicClient, wallet } = await connectChain(config.chain.rpcUrl, config.chain.chainId);
      io.stderr(`${fn} for relay ${node} (waiting for the chain)…\n`);
      const receipt = await sendContractTransaction(publicClient, wallet(operatorKey), { address: config.chain.registry as Address, abi: relayRegistryAbi, functionName: fn, args: [node] });
      const relay = name === "unstake" ? await publicClient.readContract({ address: config.chain.registry as Address, abi: relayRegistryAbi, functionName: "getRelay", args: [node] }) : undefined;
      io.stdout(`${JSON.stringify({ node, action: fn, transaction: receipt.transactionHash, ...(relay ? { unbondingEnds: new Date(Number(relay.unbondingEnds) * 1000).toISOString() } : {}) }, null, 2)}\n`);
    },
  };
}

export const relayUnstake = operatorCommand("unstake");
export const relayWithdraw = operatorCommand("withdraw");
