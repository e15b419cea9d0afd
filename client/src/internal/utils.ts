import { peerIdFromMultihash } from "@libp2p/peer-id";
import * as Digest from "multiformats/hashes/digest";
import { fromHex, toHex } from "#protocol";
import type { Hex } from "viem";

/** Bytes as 0x-prefixed lowercase hex. */
export const hex = (bytes: Uint8Array): Hex => toHex(bytes, true) as Hex;
/** 0x-hex (or bare hex) to bytes. */
export const bytes = (value: string): Uint8Array => fromHex(value);

/** A registry peer id (multihash bytes as hex) as a libp2p peer id string, without Node's Buffer. */
export function peerIdFromRegistry(peerIdHex: string): string {
  return peerIdFromMultihash(Digest.decode(fromHex(peerIdHex))).toString();
}

/** Uniform in [0, 1) from the platform CSPRNG (WebCrypto in browsers and Node). */
export function cryptoRandom(): number {
  const buf = new Uint32Array(2);
  globalThis.crypto.getRandomValues(buf);
  // 53 random bits.
  return (buf[0]! * 2 ** 21 + (buf[1]! >>> 11)) / 2 ** 53;
}

export function randomBytes(length: number): Uint8Array {
  const out = new Uint8Array(length);
  globalThis.crypto.getRandomValues(out);
  return out;
}

/** A promise-chain mutex: `run` executes tasks one at a time, in call order. */
export class Mutex {
  #tail: Promise<unknown> = Promise.resolve();
  run<T>(task: () => Promise<T> | T): Promise<T> {
    const result = this.#tail.then(task, task);
    this.#tail = result.catch(() => undefined);
    return result;
  }
}

/** Keyed mutexes (one per key, created on demand). */
export class KeyedMutex {
  readonly #locks = new Map<string, Mutex>();
  run<T>(key: string, task: () => Promise<T> | T): Promise<T> {
    let lock = this.#locks.get(key);
    if (!lock) {
      lock = new Mutex();
      this.#locks.set(key, lock);
    }
    return lock.run(task);
  }
}

/** JSON with bigints as `{"$bigint": "…"}`, so ledgers round-trip exactly. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) => (typeof v === "bigint" ? { $bigint: v.toString() } : v));
}

export function fromJson<T>(text: string): T {
  return JSON.parse(text, (_key, v) => (v && typeof v === "object" && typeof v.$bigint === "string" && Object.keys(v).length === 1 ? BigInt(v.$bigint) : v)) as T;
}

export const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });

export const nowSeconds = (): bigint => BigInt(Math.floor(Date.now() / 1000));

export const silentLogger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
};
