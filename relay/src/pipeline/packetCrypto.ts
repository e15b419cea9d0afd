import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { processPacket, signTicket, verifyTicket, type CryptoBackend, type ProcessPacketReturnType, type WireTicket } from "#protocol";

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
 * ECDSA signing for the next hop), either inline or on worker threads. On a machine with several cores
 * the workers let one relay process use more than one; results per payer (and per payee) come back in
 * order, which the ticket indexes need.
 */
export interface PacketCrypto {
  /** Requests handed to workers and not answered yet (0 inline): the pipeline sheds load above a bound. */
  readonly pending: number;
  inbound(request: InboundRequest): Promise<InboundResult>;
  sign(request: SignRequest): Promise<WireTicket>;
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

export function signSync(backend: CryptoBackend, keys: PacketCryptoKeys, request: SignRequest): WireTicket {
  return signTicket(backend, {
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
 * Default worker count: one on a machine with four or more cores, else none (inline). Handing a packet to a
 * worker and back costs the main thread about as much as the crypto it moves (structured clones of the
 * onion both ways, message events, thread wake-ups): on two cores shared with libp2p's peers, inline was
 * both cheaper (0.5–0.6 vs 0.7–0.8 ms CPU per packet at 1,800–2,000/s) and faster (p99 hop latency 15 vs
 * 36–45 ms at 1,000/s) in `npm run bench:relay` (bench/results/relay-profile.md). A worker pays off only
 * where a core would otherwise sit idle.
 */
export function defaultCryptoWorkers(): number {
  return availableParallelism() >= 4 ? 1 : 0;
}

export function createPacketCrypto(backend: CryptoBackend, keys: PacketCryptoKeys, workers: number): PacketCrypto {
  if (workers <= 0) {
    return {
      pending: 0,
      inbound: async (request) => inboundSync(backend, keys, request),
      sign: async (request) => signSync(backend, keys, request),
      close: async () => {},
    };
  }
  return new WorkerPacketCrypto(keys, workers);
}

type Pending = { resolve: (value: never) => void; reject: (error: Error) => void };

class WorkerPacketCrypto implements PacketCrypto {
  readonly #workers: Worker[] = [];
  readonly #pending = new Map<number, Pending>();
  #nextId = 0;

  get pending(): number {
    return this.#pending.size;
  }

  constructor(keys: PacketCryptoKeys, count: number) {
    for (let i = 0; i < count; i++) {
      const worker = new Worker(new URL("./packetCryptoWorker.ts", import.meta.url), { workerData: keys });
      worker.on("message", (message: { id: number; result?: unknown; error?: string }) => {
        const pending = this.#pending.get(message.id);
        if (!pending) return;
        this.#pending.delete(message.id);
        if (message.error !== undefined) pending.reject(new Error(message.error));
        else pending.resolve(message.result as never);
      });
      worker.on("error", (error) => {
        for (const pending of this.#pending.values()) pending.reject(error);
        this.#pending.clear();
      });
      worker.unref();
      this.#workers.push(worker);
    }
  }

  /** Same key → same worker, so results for one payer (or payee) keep their order. */
  #worker(key: Uint8Array): Worker {
    const n = this.#workers.length;
    return this.#workers[n === 1 ? 0 : (key[key.length - 1]! ^ key[key.length - 2]!) % n]!;
  }

  #call<T>(worker: Worker, op: "inbound" | "sign", request: unknown): Promise<T> {
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (value: never) => void, reject });
      worker.postMessage({ id, op, request });
    });
  }

  inbound(request: InboundRequest): Promise<InboundResult> {
    return this.#call(this.#worker(request.channelId), "inbound", request);
  }

  sign(request: SignRequest): Promise<WireTicket> {
    return this.#call(this.#worker(request.channelId), "sign", request);
  }

  async close(): Promise<void> {
    await Promise.all(this.#workers.map((w) => w.terminate()));
    for (const pending of this.#pending.values()) pending.reject(new Error("packet crypto closed"));
    this.#pending.clear();
  }
}
