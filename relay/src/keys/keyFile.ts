import type { PrivateKey } from "@libp2p/interface";
import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";
import type { Hex } from "viem";
import { newLibp2pKey, readKeyFile, writeNewKeyFile } from "#net/node";

/** The relay's three keys (docs/architecture.md, "Keys"); the operator's cold key is never here. */
export interface RelayKeys {
  /** Hot Ethereum account: payee of incoming channels, payer of outgoing ones, signs tickets. */
  node: PrivateKeyAccount;
  nodePrivateKey: Hex;
  /** secp256k1 Sphinx key; its compressed public key is the relay's id in onions. */
  onionPrivateKey: Uint8Array;
  /** Ed25519 libp2p identity. */
  libp2p: PrivateKey;
}

export class KeyFileError extends Error {
  override name = "KeyFileError" as const;
}

const fail = (message: string) => new KeyFileError(message);

/** Creates a new key file (mode 0600). Refuses to overwrite an existing one. */
export async function createKeyFile(path: string): Promise<RelayKeys> {
  const libp2p = await newLibp2pKey();
  const nodePrivateKey = generatePrivateKey();
  const onionPrivateKey = generatePrivateKey();
  writeNewKeyFile(path, { version: 1, nodePrivateKey, onionPrivateKey, libp2pPrivateKey: libp2p.encoded }, fail, "refusing to overwrite relay keys (move it away first if you really want new keys)");
  return keys(nodePrivateKey, onionPrivateKey, libp2p.key);
}

/** Loads the relay's keys, with an error that says which field is wrong. */
export function loadKeyFile(path: string): RelayKeys {
  const { json, libp2p } = readKeyFile(path, ["nodePrivateKey", "onionPrivateKey"], fail, "run `sotto relay init` to create the relay's keys");
  return keys(json.nodePrivateKey, json.onionPrivateKey, libp2p);
}

function keys(nodePrivateKey: Hex, onionPrivateKey: Hex, libp2p: PrivateKey): RelayKeys {
  return { node: privateKeyToAccount(nodePrivateKey), nodePrivateKey, onionPrivateKey: Uint8Array.from(Buffer.from(onionPrivateKey.slice(2), "hex")), libp2p };
}
