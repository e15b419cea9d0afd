import type { PrivateKey } from "@libp2p/interface";
import { randomBytes } from "node:crypto";
import type { Hex } from "viem";
import { generatePrivateKey } from "viem/accounts";
import { newLibp2pKey, readKeyFile, writeNewKeyFile } from "#net/node";
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

/** The key file is missing, unreadable or malformed. */
export class KeyFileError extends BaseError {
  override name = "KeyFileError" as const;
}

const fail = (message: string) => new KeyFileError(message);

/**
 * Creates a client key file (wallet key, identity key, libp2p key) with mode 0600. Never overwrites.
 *
 * @example
 * const keys = await createClientKeyFile("./sotto-client/keys.json");
 */
export async function createClientKeyFile(path: string): Promise<ClientKeys> {
  let identity: Uint8Array;
  do identity = new Uint8Array(randomBytes(32));
  while (!portableBackend.isValidPrivateKey(identity));
  const libp2p = await newLibp2pKey();
  const walletPrivateKey = generatePrivateKey();
  const identityPrivateKey: Hex = `0x${Buffer.from(identity).toString("hex")}`;
  writeNewKeyFile(path, { version: 1, walletPrivateKey, identityPrivateKey, libp2pPrivateKey: libp2p.encoded }, fail, "refusing to overwrite client keys (they hold your channels' funds and your address)");
  return { walletPrivateKey, identityKey: identity, libp2p: libp2p.key };
}

/** Loads a client key file, naming the field that is wrong. */
export function loadClientKeyFile(path: string): ClientKeys {
  const { json, libp2p } = readKeyFile(path, ["walletPrivateKey", "identityPrivateKey"], fail, "create the client's keys with `sotto client init`");
  return { walletPrivateKey: json.walletPrivateKey, identityKey: new Uint8Array(Buffer.from(json.identityPrivateKey.slice(2), "hex")), libp2p };
}
