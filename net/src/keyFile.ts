import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from "@libp2p/crypto/keys";
import type { PrivateKey } from "@libp2p/interface";
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";

/**
 * The file handling shared by the relay's and the client's key files: JSON with `version: 1`, 0x-hex 32-byte
 * keys and a base64 protobuf libp2p key, written with mode 0600 and never overwritten. Each side names its
 * own fields and its own error type (`fail` builds it), so messages say which file and field are wrong.
 */
type Fail = (message: string) => Error;

const hex32 = /^0x[0-9a-fA-F]{64}$/;

/** A fresh Ed25519 libp2p key, and its form in a key file. */
export async function newLibp2pKey(): Promise<{ key: PrivateKey; encoded: string }> {
  const key = await generateKeyPair("Ed25519");
  return { key, encoded: Buffer.from(privateKeyToProtobuf(key)).toString("base64") };
}

/** Writes a new key file (mode 0600); `refusal` says why an existing file is left alone. */
export function writeNewKeyFile(path: string, json: { version: 1 } & Record<string, string | number>, fail: Fail, refusal: string): void {
  if (existsSync(path)) throw fail(`${path} already exists; ${refusal}`);
  writeFileSync(path, `${JSON.stringify(json, null, 2)}\n`, { mode: 0o600, flag: "wx" });
  chmodSync(path, 0o600);
}

/**
 * Reads a key file and checks what every key file has: its version, the named 32-byte hex fields, and the
 * libp2p key (returned decoded). `hint` tells the reader how to create a missing file.
 */
export function readKeyFile<F extends string>(path: string, hexFields: readonly F[], fail: Fail, hint: string): { json: Record<F, `0x${string}`>; libp2p: PrivateKey } {
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
  } catch (error) {
    throw fail(`cannot read ${path}: ${(error as Error).message.split("\n")[0]}; ${hint}`);
  }
  if (json.version !== 1) throw fail(`${path}: unsupported key file version ${String(json.version)}`);
  for (const field of hexFields) {
    const value = json[field];
    if (typeof value !== "string" || !hex32.test(value)) throw fail(`${path}: ${field} must be a 0x-prefixed 32-byte hex string`);
  }
  let libp2p: PrivateKey;
  try {
    libp2p = privateKeyFromProtobuf(Buffer.from(typeof json.libp2pPrivateKey === "string" ? json.libp2pPrivateKey : "", "base64"));
  } catch (error) {
    throw fail(`${path}: libp2pPrivateKey is not a protobuf-encoded libp2p key (${(error as Error).message})`);
  }
  return { json: json as Record<F, `0x${string}`>, libp2p };
}
