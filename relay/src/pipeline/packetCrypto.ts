import { once } from "node:events";
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { WORKER_YOUNG_GENERATION_MIB } from "../runtime/heapFlags.ts";
import { SlotMap } from "../util/slotMap.ts";
import { packBytes } from "./packBytes.ts";
import { processPacket, signTicket, verifyTicket, type CryptoBackend, type Presignature, type ProcessPacketReturnType, type WireTicket } from "#protocol";

/** Everything a packet needs from public-key cryptography on arrival: one peel and one ticket check. */
export interface InboundRequest {
  onion: Uint8Array;
  pathKey: Uint8Array | undefined;
  ticket: WireTicket;
  /** channelId(ticket.payer, this relay). */
  channelId: Uint8Array;
}

export interface InboundResult {
  /** The peeled layer, or why peeling failed. */
  instruction?: ProcessPacketReturnType | undefined;
  peelError?: string | undefined;
  /** Whether the ticket is signed by its payer for this channel and the onion's incoming challenge. */
  signatureOk: boolean;
  signatureError?: string | undefined;
}

export interface SignRequest {
  payee: string;
  channelId: Uint8Array;
  epoch: bigint;
  cumulative: bigint;
  index: bigint;
  challenge: Uint8Array;
}

/**
 * The relay's public-key work per packet (ECDH and blinding to peel, ECDSA recovery to check the ticket,
 * ECDSA signing for the next hop). Peel and check run inline or on worker threads; on a machine with several
 * cores the workers let one relay process use more than one, and results per payer come back in order,
 * which the ticket indexes need. Signing stays synchronous on the main thread (a round trip to a worker
 * would delay every packet), but with workers its expensive part, the nonce's k·G, is done ahead of time
 * on a low-priority worker (presignatures, protocol/src/crypto/presign.ts, made by presignWorker.ts):
 * finishing a signature costs ~7 µs instead of ~35–50 µs. With none prepared (at start, or after a burst
 * drained them) it signs the usual way.
 */
export interface PacketCrypto {
  /** Requests handed to workers and not answered yet (0 inline): the pipeline sheds load above a bound. */
  readonly pending: number;
  /** Presignatures ready (0 inline): while there are some, signing skips its k·G. */
  readonly presignatures: number;
  inbound(request: InboundRequest): Promise<InboundResult>;
  sign(request: SignRequest): WireTicket;
  close(): Promise<void>;
}

export interface PacketCryptoKeys {
  onionPrivateKey: Uint8Array;
  nodePrivateKey: Uint8Array;
  nodeAddress: Uint8Array;
  /** EIP-712 domain separator of the tickets. */
  ticketDomain: Uint8Array;
}

/** The computations themselves, shared by the inline implementation and the worker. */
export function inboundSync(backend: CryptoBackend, keys: PacketCryptoKeys, request: InboundRequest): InboundResult {
  let instruction: ProcessPacketReturnType;
  try {
    instruction = processPacket(backend, { onion: request.onion, pathKey: request.pathKey, privateKey: keys.onionPrivateKey });
  } catch (error) {
    return { peelError: (error as Error).message, signatureOk: false };
  }
  if (instruction.type !== "forward") return { instruction, signatureOk: false };
  try {
    verifyTicket(backend, { domain: keys.ticketDomain, ticket: request.ticket, payee: keys.nodeAddress, expectedChallenge: instruction.incomingChallenge, channelId: request.channelId });
    return { instruction, signatureOk: true };
  } catch (error) {
    return { instruction, signatureOk: false, signatureError: (error as Error).message };
  }
}

export function signSync(backend: CryptoBackend, keys: PacketCryptoKeys, request: SignRequest, presignature?: Presignature): WireTicket {
  return signTicket(backend, {
    presignature,
    domain: keys.ticketDomain,
    privateKey: keys.nodePrivateKey,
    payer: keys.nodeAddress,
    payee: request.payee as `0x${string}`,
    channelId: request.channelId,
    epoch: request.epoch,
    cumulative: request.cumulative,
    index: request.index,
    challenge: request.challenge,
  });
}

/**
 * Default worker count: one when the machine has a second core, else none (inline). The hand-off is batched
 * (one message per chunk read from a link, one reply buffer transferred back), so it costs the main thread
 * far less than the public-key work it moves: on two cores shared with the benchmark's generator and sink,
 * one relay sustained ~2,600 packets/s closed loop with the worker against ~2,200 inline.
 */
export function defaultCryptoWorkers(): number {
  return availableParallelism() >= 2 ? 1 : 0;
}

/** `onThread`: told of each worker thread started, by name (the relay's metrics report their heaps). */
export function createPacketCrypto(backend: CryptoBackend, keys: PacketCryptoKeys, workers: number, options: { onThread?: (name: string, worker: Worker) => void } = {}): PacketCrypto {
  if (workers <= 0) {
    return {
      pending: 0,
      presignatures: 0,
      inbound: async (request) => inboundSync(backend, keys, request),
      sign: (request) => signSync(backend, keys, request),
      close: async () => {},
    };
  }
  return new WorkerPacketCrypto(backend, keys, workers, options.onThread);
}

type Pending = { resolve: (value: never) => void; reject: (error: Error) => void };

/** One request to a crypto worker; a worker gets them in batches and answers each batch with one message. */
export type CryptoWorkerRequest = { id: number; request: InboundRequest };
export type CryptoWorkerReply = { id: number; result: unknown } | { id: number; error: string };

/** To presignWorker.ts: make `count` presignatures; it answers with all of them in one message. */
export type PresignRequest = { id: number; count: number };
export type PresignReply = { id: number; result: Presignature[] } | { id: number; error: string };

/** Presignatures kept ready: refilled below the low mark, a batch at a time. */
const PRESIGNATURES_LOW = 512;
const PRESIGNATURES_BATCH = 256;

class WorkerPacketCrypto implements PacketCrypto {
  readonly #workers: { worker: Worker; batch: CryptoWorkerRequest[] }[] = [];
  readonly #presigner: Worker;
  /** One entry per packet in flight: a SlotMap, so that answered ones are not kept alive (see there). */
  readonly #pending = new SlotMap<number, Pending>();
  #nextId = 0;
  #flushQueued = false;
  readonly #backend: CryptoBackend;
  readonly #keys: PacketCryptoKeys;
  /** Prepared nonces, each used for one signature and dropped; never persisted. */
  #presignatures: Presignature[] = [];
  #refilling = false;
  #closed = false;

  get pending(): number {
    return this.#pending.size;
  }

  get presignatures(): number {
    return this.#presignatures.length;
  }

  constructor(backend: CryptoBackend, keys: PacketCryptoKeys, count: number, onThread: ((name: string, worker: Worker) => void) | undefined) {
    this.#backend = backend;
    this.#keys = keys;
    for (let i = 0; i < count; i++) {
      const worker = new Worker(new URL("./packetCryptoWorker.ts", import.meta.url), {
        workerData: keys,
        resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MIB.crypto },
      });
      onThread?.(count === 1 ? "crypto" : `crypto-${i}`, worker);
      worker.on("message", (replies: CryptoWorkerReply[]) => {
        for (const reply of replies) {
          const pending = this.#pending.get(reply.id);
          if (!pending) continue;
          this.#pending.delete(reply.id);
          if ("error" in reply) pending.reject(new Error(reply.error));
          else pending.resolve(reply.result as never);
        }
      });
      worker.on("error", (error) => {
        for (const pending of this.#pending.values()) pending.reject(error);
        this.#pending.clear();
      });
      worker.unref();
      this.#workers.push({ worker, batch: [] });
    }
    this.#presigner = new Worker(new URL("./presignWorker.ts", import.meta.url), {
      resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MIB.presign },
    });
    onThread?.("presign", this.#presigner);
    this.#presigner.on("message", (reply: PresignReply) => {
      this.#refilling = false;
      // A failed batch: signing takes the usual (slower) path, and the next signature asks again.
      if (!("result" in reply)) return;
      // Secret nonces that arrive after close() are wiped, not kept.
      if (this.#closed) for (const presignature of reply.result) presignature.kInverse.fill(0);
      else this.#presignatures.push(...reply.result);
    });
    // A presigner that died leaves signing on the usual path: nothing waits for it.
    this.#presigner.on("error", () => (this.#refilling = false));
    this.#presigner.unref();
    this.#refill();
  }

  #refill(): void {
    if (this.#refilling || this.#closed) return;
    this.#refilling = true;
    this.#presigner.postMessage({ id: this.#nextId++, count: PRESIGNATURES_BATCH } satisfies PresignRequest);
  }

  /** Same key → same worker, so results for one payer (or payee) keep their order. */
  #worker(key: Uint8Array): { worker: Worker; batch: CryptoWorkerRequest[] } {
    const n = this.#workers.length;
    return this.#workers[n === 1 ? 0 : (key[key.length - 1]! ^ key[key.length - 2]!) % n]!;
  }

  /**
   * Requests made in one go (all packets of one chunk read from a link) travel to the worker as one message
   * with one transferred buffer (`packBytes`), and come back the same way: a message and the thread wake-up it
   * causes cost about as much as the crypto.
   */
  #call<T>(target: { worker: Worker; batch: CryptoWorkerRequest[] }, request: InboundRequest): Promise<T> {
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (value: never) => void, reject });
      target.batch.push({ id, request });
      if (!this.#flushQueued) {
        this.#flushQueued = true;
        queueMicrotask(() => this.#flush());
      }
    });
  }

  #flush(): void {
    this.#flushQueued = false;
    for (const target of this.#workers) {
      if (target.batch.length === 0) continue;
      const packed = packBytes(target.batch);
      target.worker.postMessage(packed.message, [packed.buffer]);
      target.batch = [];
    }
  }

  inbound(request: InboundRequest): Promise<InboundResult> {
    return this.#call(this.#worker(request.channelId), request);
  }

  sign(request: SignRequest): WireTicket {
    const presignature = this.#presignatures.pop();
    if (this.#presignatures.length < PRESIGNATURES_LOW) this.#refill();
    if (!presignature) return signSync(this.#backend, this.#keys, request);
    try {
      return signSync(this.#backend, this.#keys, request, presignature);
    } catch {
      // s = 0 for this digest (probability ~2^-256): sign the usual way.
      return signSync(this.#backend, this.#keys, request);
    } finally {
      presignature.kInverse.fill(0);
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const presignature of this.#presignatures) presignature.kInverse.fill(0);
    this.#presignatures = [];
    // Each worker ends between two requests (see packetCryptoWorker.ts); one that does not within a second is terminated.
    await Promise.all(
      [...this.#workers.map(({ worker }) => worker), this.#presigner].map(async (worker) => {
        const exited = once(worker, "exit").catch(() => undefined);
        worker.postMessage("stop");
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<void>((resolve) => (timer = setTimeout(() => void worker.terminate().finally(resolve), 1_000)));
        await Promise.race([exited, late]);
        clearTimeout(timer);
      }),
    );
    for (const pending of this.#pending.values()) pending.reject(new Error("packet crypto closed"));
    this.#pending.clear();
  }
}
