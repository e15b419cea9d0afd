import { join } from "node:path";
import { peerIdFromPrivateKey } from "@libp2p/peer-id";
import { registerRelay } from "#contracts";
import { paymentChannelsAbi } from "#contracts/generated";
import { loadKeyFile, loadRelayConfig, peerIdHex, publicKeyFromPrivate } from "#relay";
import type { Address } from "viem";
import type { Command } from "../../command.ts";
import { UserError } from "../../errors.ts";
import { parseAmount, readPrivateKey, requireFlag } from "../../options/parse.ts";
import { connectChain } from "../../util/chainClients.ts";

export const relayRegister: Command = {
  path: ["relay", "register"],
  summary: "Stake and register the relay on chain (or update its record with --update)",
  usage: "--config <relay.json> --stake <amount> [--operator-key-file <file>] [--multiaddr <addr>…] [--update]",
  options: {
    config: { type: "string", short: "c" },
    stake: { type: "string" },
    "operator-key-file": { type: "string" },
    multiaddr: { type: "string", multiple: true },
    update: { type: "boolean" },
  },
  descriptions: {
    config: "relay config file",
    stake: "stake in token base units (at least the registry's minimum); ignored with --update",
    "operator-key-file": "file with the operator's private key (or set $SOTTO_OPERATOR_KEY); the operator holds the stake",
    multiaddr: "address to publish, repeatable (default: p2p.announce, else p2p.listen)",
    update: "replace the existing record (new fee, addresses or keys) instead of registering",
  },
  examples: ["SOTTO_OPERATOR_KEY=0x… sotto relay register -c relay.json --stake 100000000000000000000"],
  run: async ({ values, io }) => {
    const config = loadRelayConfig(requireFlag(values, "config", "the relay config file"));
    const keys = loadKeyFile(join(config.dataDir, "keys.json"));
    const update = values.update === true;
    const stake = update ? 0n : parseAmount(requireFlag(values, "stake", "how much to stake"), "stake");
    const operatorKey = readPrivateKey(values, "operator-key-file", "SOTTO_OPERATOR_KEY");
    const multiaddrs = (values.multiaddr as string[] | undefined) ?? (config.p2p.announce.length > 0 ? config.p2p.announce : config.p2p.listen);
    if (multiaddrs.some((a) => /\/tcp\/0(\/|$)/.test(a))) {
      throw new UserError(`cannot publish ${multiaddrs.join(", ")}: port 0 is not an address others can dial; set p2p.announce or a fixed port in p2p.listen, or pass --multiaddr`);
    }
    const { publicClient, wallet } = await connectChain(config.chain.rpcUrl, config.chain.chainId);
    const token = (await publicClient.readContract({ address: config.chain.channels as Address, abi: paymentChannelsAbi, functionName: "token" })) as Address;
    const contracts = { token, registry: config.chain.registry as Address, channels: config.chain.channels as Address };
    io.stderr(`${update ? "updating" : "registering"} relay ${keys.node.address} (waiting for the chain)…\n`);
    const result = await registerRelay(publicClient, wallet(operatorKey), {
      contracts,
      node: keys.node,
      relay: {
        onionKey: `0x${Buffer.from(publicKeyFromPrivate(keys.onionPrivateKey)).toString("hex")}`,
        peerId: peerIdHex(peerIdFromPrivateKey(keys.libp2p).toString()),
        multiaddrs,
        fee: config.fee,
      },
      stake,
      update,
    });
    io.stdout(`${JSON.stringify({ registered: !update, updated: update, node: keys.node.address, multiaddrs, fee: config.fee.toString(), stake: stake.toString(), transaction: result.transactionHash, gasUsed: result.gasUsed.toString() }, null, 2)}\n`);
  },
};
