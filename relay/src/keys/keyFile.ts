import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from "@libp2p/crypto/keys";
import type { PrivateKey } from "@libp2p/interface";
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";
import type { Hex } from "viem";

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

interface KeyFileJson {
  version: 1;
  nodePrivateKey: Hex;
  onionPrivateKey: Hex;
  libp2pPrivateKey: string;
}

const hex32 = /^0x[0-9a-fA-F]{64}$/;

export class KeyFileError extends Error {
  override name = "KeyFileError" as const;
}

/** Creates a new key file (mode 0600). Refuses to overwrite an existing one. */
export async function createKeyFile(path: string): Promise<RelayKeys> {
  if (existsSync(path)) throw new KeyFileError(`${path} already exists; refusing to overwrite relay keys (move it away first if you really want new keys)`);
  const libp2p = await generateKeyPair("Ed25519");
  const json: KeyFileJson = {
    version: 1,
    nodePrivateKey: generatePrivateKey(),
    onionPrivateKey: generatePrivateKey(),
    libp2pPrivateKey: Buffer.from(privateKeyToProtobuf(libp2p)).toString("base64"),
  };
  writeFileSync(path, `${JSON.stringify(json, null, 2)}\n`, { mode: 0o600, flag: "wx" });
  chmodSync(path, 0o600);
  return fromJson(json, path);
}

/** Loads the relay's keys, with an error that says which field is wrong. */
export function loadKeyFile(path: string): RelayKeys {
  let json: Partial<KeyFileJson>;
  try {
    json = JSON.parse(readFileSync(path, "utf8")) as Partial<KeyFileJson>;
  } catch (error) {
    throw new KeyFileError(`cannot read relay keys from ${path}: ${(error as Error).message}; run \`sotto relay init\` to create them`);
  }
  return fromJson(json, path);
}

function fromJson(json: Partial<KeyFileJson>, path: string): RelayKeys {
  if (json.version !== 1) throw new KeyFileError(`${path}: unsupported key file version ${String(json.version)}`);
  for (const field of ["nodePrivateKey", "onionPrivateKey"] as const) {
    if (typeof json[field] !== "string" || !hex32.test(json[field])) throw new KeyFileError(`${path}: ${field} must be a 0x-prefixed 32-byte hex string`);
  }
  let libp2p: PrivateKey;
  try {
    libp2p = privateKeyFromProtobuf(Buffer.from(json.libp2pPrivateKey ?? "", "base64"));
  } catch (error) {
    throw new KeyFileError(`${path}: libp2pPrivateKey is not a valid protobuf-encoded libp2p key: ${(error as Error).message}`);
  }
  const nodePrivateKey = json.nodePrivateKey as Hex;
  return {
    node: privateKeyToAccount(nodePrivateKey),
    nodePrivateKey,
    onionPrivateKey: Uint8Array.from(Buffer.from((json.onionPrivateKey as string).slice(2), "hex")),
    libp2p,
  };
}
