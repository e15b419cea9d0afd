import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { peerIdFromPrivateKey } from "@libp2p/peer-id";
import { privateKeyToAccount } from "viem/accounts";
import { portableBackend } from "#protocol";
import { createClientKeyFile } from "#client/node";
import type { Command } from "../../command.ts";
import { UserError } from "../../errors.ts";
import { parseAddress, parseIntFlag, requireFlag, stringFlag } from "../../options/parse.ts";
import { clientDir, dirDescription, dirOption, json, paths, type ClientConfig } from "./context.ts";

export const clientInit: Command = {
  path: ["client", "init"],
  summary: "Create a client: keys (wallet, identity, libp2p; mode 0600) and config for one deployment",
  usage: "--dir <dir> --chain-id <id> --registry <addr> --channels <addr> [--rpc-url <url>] [--api-port <port>]",
  options: {
    ...dirOption,
    "rpc-url": { type: "string" },
    "chain-id": { type: "string" },
    registry: { type: "string" },
    channels: { type: "string" },
    "api-port": { type: "string" },
  },
  descriptions: {
    ...dirDescription,
    "rpc-url": "JSON-RPC URL of the chain (default http://127.0.0.1:8545)",
    "chain-id": "chain id of the deployment",
    registry: "RelayRegistry address",
    channels: "PaymentChannels address",
    "api-port": "port of the local API of `sotto client serve` (default 7300)",
  },
  examples: ["sotto client init --dir ~/.sotto --rpc-url http://127.0.0.1:8545 --chain-id 31337 --registry 0x… --channels 0x…"],
  run: async ({ values, io }) => {
    const dir = clientDir(values);
    const chainId = parseIntFlag(requireFlag(values, "chain-id", "the chain the contracts live on"), "chain-id", 1, 2 ** 53 - 1);
    const registry = parseAddress(requireFlag(values, "registry", "RelayRegistry address"), "registry");
    const channels = parseAddress(requireFlag(values, "channels", "PaymentChannels address"), "channels");
    const rpcUrl = stringFlag(values, "rpc-url") ?? "http://127.0.0.1:8545";
    if (!/^(https?|wss?):\/\/.+/.test(rpcUrl)) throw new UserError(`--rpc-url must be an http(s):// or ws(s):// URL, got ${JSON.stringify(rpcUrl)}`);
    const apiPort = parseIntFlag(stringFlag(values, "api-port") ?? "7300", "api-port", 0, 65535);
    const p = paths(dir);
    if (existsSync(p.config) || existsSync(p.keys)) throw new UserError(`${dir} already holds a client (client.json or keys.json); refusing to overwrite its keys — pick another --dir`);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const keys = await createClientKeyFile(p.keys);
    const config: ClientConfig = { version: 1, chain: { rpcUrl, chainId, registry, channels }, api: { host: "127.0.0.1", port: apiPort, token: randomBytes(24).toString("base64url") } };
    writeFileSync(p.config, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600, flag: "wx" });
    const wallet = privateKeyToAccount(keys.walletPrivateKey).address;
    io.stdout(
      json({
        dir,
        config: p.config,
        keys: p.keys,
        wallet,
        nodeId: `0x${Buffer.from(portableBackend.publicKeyFromPrivate(keys.identityKey)).toString("hex")}`,
        peerId: peerIdFromPrivateKey(keys.libp2p).toString(),
        next: [
          `send ETH (gas) and tokens to ${wallet}`,
          `sotto relays --dir ${dir}`,
          `sotto channel open --dir ${dir} --relay <node> --amount <n>`,
          `sotto address --dir ${dir}   (give it to your correspondents)`,
        ],
      }),
    );
  },
};
