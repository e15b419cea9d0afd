import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from "@libp2p/crypto/keys";
import type { PrivateKey } from "@libp2p/interface";
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import type { Hex } from "viem";
import { generatePrivateKey } from "viem/accounts";
import { portableBackend } from "#protocol";
import { BaseError } from "./errors.ts";

/** A client's keys (Node only): they never leave this file except to sign. */
export type ClientKeys = {
  /** The wallet's Ethereum private key: pays for channels, signs tickets. */
  walletPrivateKey: Hex;
  /** The identity key: its public key ends this client's blinded paths (receiving). */
  identityKey: Uint8Array;
  /** The libp2p identity of the client's host (a stable peer id). */
  libp2p: PrivateKey;
};

type KeyFileJson = { version: 1; walletPrivateKey: Hex; identityPrivateKey: Hex; libp2pPrivateKey: string };

/** The key file is missing, unreadable or malformed. */
export class KeyFileError extends BaseError {
  override name = "KeyFileError" as const;
}

const hex32 = /^0x[0-9a-fA-F]{64}$/;

/**
 * Creates a client key file (wallet key, identity key, libp2p key) with mode 0600. Never overwrites.
 *
 * @example
 * const keys = await createClientKeyFile("./sotto-client/keys.json");
 */
export async function createClientKeyFile(path: string): Promise<ClientKeys> {
  if (existsSync(path)) throw new KeyFileError(`${path} already exists; refusing to overwrite client keys (they hold your channels' funds and your address)`);
  let identity: Uint8Array;
  do identity = new Uint8Array(randomBytes(32));
  while (!portableBackend.isValidPrivateKey(identity));
  const libp2p = await generateKeyPair("Ed25519");
  const json: KeyFileJson = {
    version: 1,
    walletPrivateKey: generatePrivateKey(),
    identityPrivateKey: `0x${Buffer.from(identity).toString("hex")}`,
    libp2pPrivateKey: Buffer.from(privateKeyToProtobuf(libp2p)).toString("base64"),
  };
  writeFileSync(path, `${JSON.stringify(json, null, 2)}\n`, { mode: 0o600, flag: "wx" });
  chmodSync(path, 0o600);
  return parse(json, path);
}

/** Loads a client key file, naming the field that is wrong. */
export function loadClientKeyFile(path: string): ClientKeys {
  let json: Partial<KeyFileJson>;
  try {
    json = JSON.parse(readFileSync(path, "utf8")) as Partial<KeyFileJson>;
  } catch (error) {
    throw new KeyFileError(`cannot read client keys from ${path}: ${(error as Error).message.split("\n")[0]}; create them with \`sotto client init\``);
  }
  return parse(json, path);
}

function parse(json: Partial<KeyFileJson>, path: string): ClientKeys {
  if (json.version !== 1) throw new KeyFileError(`${path}: unsupported key file version ${String(json.version)}`);
  for (const field of ["walletPrivateKey", "identityPrivateKey"] as const) {
    if (typeof json[field] !== "string" || !hex32.test(json[field])) throw new KeyFileError(`${path}: ${field} must be a 0x-prefixed 32-byte hex string`);
  }
  let libp2p: PrivateKey;
  try {
    libp2p = privateKeyFromProtobuf(Buffer.from(json.libp2pPrivateKey ?? "", "base64"));
  } catch (error) {
    throw new KeyFileError(`${path}: libp2pPrivateKey is not a protobuf-encoded libp2p key (${(error as Error).message})`);
  }
  return { walletPrivateKey: json.walletPrivateKey as Hex, identityKey: new Uint8Array(Buffer.from(json.identityPrivateKey!.slice(2), "hex")), libp2p };
}
