import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { peerIdFromPrivateKey } from "@libp2p/peer-id";
import { createKeyFile, publicKeyFromPrivate } from "#relay";
import type { Command } from "../../command.ts";
import { UserError } from "../../errors.ts";
import { parseAddress, parseAmount, parseIntFlag, requireFlag, stringFlag } from "../../options/parse.ts";

export const relayInit: Command = {
  path: ["relay", "init"],
  summary: "Create a relay's keys (node, onion, libp2p) and config file",
  usage: "--dir <dir> --chain-id <id> --registry <addr> --channels <addr> [options]",
  options: {
    dir: { type: "string" },
    "rpc-url": { type: "string" },
    "chain-id": { type: "string" },
    registry: { type: "string" },
    channels: { type: "string" },
    fee: { type: "string" },
    listen: { type: "string", multiple: true },
    "api-port": { type: "string" },
    "channel-budget": { type: "string" },
  },
  descriptions: {
    dir: "directory for relay.json, keys.json and the database (created)",
    "rpc-url": "JSON-RPC URL of the chain (default http://127.0.0.1:8545)",
    "chain-id": "chain id of the deployment",
    registry: "RelayRegistry address",
    channels: "PaymentChannels address",
    fee: "fee per packet in token base units (default 1)",
    listen: "libp2p listen multiaddr, repeatable (default /ip4/127.0.0.1/tcp/0)",
    "api-port": "admin API port (default 8080)",
    "channel-budget": "most tokens to lock in outgoing channels (default 0: none)",
  },
  examples: ["sotto relay init --dir ./relay1 --chain-id 31337 --registry 0x… --channels 0x… --fee 1 --listen /ip4/0.0.0.0/tcp/9000"],
  run: async ({ values, io }) => {
    const dir = resolve(requireFlag(values, "dir", "where to put the relay's files"));
    const chainId = parseIntFlag(requireFlag(values, "chain-id", "the chain the contracts live on"), "chain-id", 1, 2 ** 53 - 1);
    const registry = parseAddress(requireFlag(values, "registry", "RelayRegistry address"), "registry");
    const channels = parseAddress(requireFlag(values, "channels", "PaymentChannels address"), "channels");
    const fee = parseAmount(stringFlag(values, "fee") ?? "1", "fee");
    const budget = parseAmount(stringFlag(values, "channel-budget") ?? "0", "channel-budget");
    const apiPort = parseIntFlag(stringFlag(values, "api-port") ?? "8080", "api-port", 0, 65535);
    const listen = (values.listen as string[] | undefined) ?? ["/ip4/127.0.0.1/tcp/0"];
    const configPath = join(dir, "relay.json");
    const keysPath = join(dir, "keys.json");
    if (existsSync(configPath) || existsSync(keysPath)) throw new UserError(`${dir} already holds a relay (relay.json or keys.json); pick another --dir`);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const keys = await createKeyFile(keysPath);
    const config = {
      dataDir: ".",
      chain: { rpcUrl: stringFlag(values, "rpc-url") ?? "http://127.0.0.1:8545", chainId, registry, channels },
      p2p: { listen },
      api: { host: "127.0.0.1", port: apiPort, token: randomBytes(24).toString("base64url") },
      fee: fee.toString(),
      channelStrategy: { budget: budget.toString() },
    };
    writeFileSync(configPath, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
    const summary = {
      config: configPath,
      keys: keysPath,
      node: keys.node.address,
      onionKey: `0x${Buffer.from(publicKeyFromPrivate(keys.onionPrivateKey)).toString("hex")}`,
      peerId: peerIdFromPrivateKey(keys.libp2p).toString(),
      next: [
        `fund ${keys.node.address} with ETH for gas (and tokens if it should open channels to other relays)`,
        `sotto relay register --config ${configPath} --stake <amount> --operator-key-file <file>`,
        `sotto relay start --config ${configPath}`,
      ],
    };
    io.stdout(`${JSON.stringify(summary, null, 2)}\n`);
  },
};
