import { MAX_MESSAGE_SIZE } from "../constants.ts";
import { FragmentError, InvalidParameterError } from "../errors.ts";
import { equalBytes, toHex } from "../utils/bytes.ts";
import type { Fragment } from "./fragment.ts";

export type ReassemblerOptions = {
  /** Messages in progress kept at once; the oldest is evicted beyond it. Default 256. */
  maxPendingMessages?: number;
  /** Data bytes held for messages in progress; the oldest messages are evicted beyond it. Default 8 MiB. */
  maxPendingBytes?: number;
  /** Completed message ids remembered to recognise late duplicates. Default 4096. */
  rememberCompleted?: number;
};

export type AddFragmentResult =
  | { status: "complete"; messageId: Uint8Array; message: Uint8Array; evicted: Uint8Array[] }
  | { status: "pending"; messageId: Uint8Array; received: number; count: number; evicted: Uint8Array[] }
  | { status: "duplicate"; messageId: Uint8Array; evicted: Uint8Array[] };

export type Reassembler = {
  /**
   * Adds a fragment. Throws `FragmentError` (and forgets the message) when it contradicts earlier
   * fragments of the same id: another count, or other data at an index already received.
   */
  add(fragment: Fragment): AddFragmentResult;
  /** Forgets a message in progress (the caller's timeout); true if it was pending. */
  drop(messageId: Uint8Array): boolean;
  readonly pendingMessages: number;
  readonly pendingBytes: number;
};

type Pending = { messageId: Uint8Array; count: number; parts: (Uint8Array | undefined)[]; received: number; bytes: number };

/**
 * Reassembles messages from fragments in any order, with duplicates tolerated (same bytes) and memory
 * bounded. Pure: no clock; the caller drops stale messages with `drop`.
 */
export function createReassembler(options: ReassemblerOptions = {}): Reassembler {
  const maxPendingMessages = options.maxPendingMessages ?? 256;
  const maxPendingBytes = options.maxPendingBytes ?? 8 * 1024 * 1024;
  const rememberCompleted = options.rememberCompleted ?? 4096;
  if (maxPendingMessages < 1 || maxPendingBytes < MAX_MESSAGE_SIZE) {
    throw new InvalidParameterError({ parameter: "options", reason: `need at least one pending message and ${MAX_MESSAGE_SIZE} pending bytes` });
  }
  const pending = new Map<string, Pending>();
  const completed = new Set<string>();
  let pendingBytes = 0;

  function forget(key: string): void {
    const entry = pending.get(key);
    if (!entry) return;
    pendingBytes -= entry.bytes;
    pending.delete(key);
  }

  function evict(exceptKey: string): Uint8Array[] {
    const evicted: Uint8Array[] = [];
    for (const [key, entry] of pending) {
      if (pending.size <= maxPendingMessages && pendingBytes <= maxPendingBytes) break;
      if (key === exceptKey) continue;
      forget(key);
      evicted.push(entry.messageId);
    }
    return evicted;
  }

  function markCompleted(key: string): void {
    completed.add(key);
    if (completed.size > rememberCompleted) completed.delete(completed.values().next().value as string);
  }

  return {
    add(fragment) {
      const key = toHex(fragment.messageId);
      if (completed.has(key)) return { status: "duplicate", messageId: fragment.messageId, evicted: [] };
      let entry = pending.get(key);
      if (!entry) {
        entry = { messageId: fragment.messageId.slice(), count: fragment.count, parts: new Array(fragment.count), received: 0, bytes: 0 };
        pending.set(key, entry);
      }
      if (fragment.count !== entry.count) {
        forget(key);
        throw new FragmentError({ reason: `count ${fragment.count} differs from ${entry.count} seen earlier for this message` });
      }
      if (fragment.index >= entry.count) {
        forget(key);
        throw new FragmentError({ reason: `index ${fragment.index} not below count ${entry.count}` });
      }
      const existing = entry.parts[fragment.index];
      if (existing) {
        if (!equalBytes(existing, fragment.data)) {
          forget(key);
          throw new FragmentError({ reason: `conflicting data for fragment ${fragment.index}` });
        }
        return { status: "duplicate", messageId: entry.messageId, evicted: [] };
      }
      if (entry.bytes + fragment.data.length > MAX_MESSAGE_SIZE) {
        forget(key);
        throw new FragmentError({ reason: `message exceeds ${MAX_MESSAGE_SIZE} bytes` });
      }
      entry.parts[fragment.index] = fragment.data.slice();
      entry.received++;
      entry.bytes += fragment.data.length;
      pendingBytes += fragment.data.length;
      if (entry.received === entry.count) {
        const message = new Uint8Array(entry.bytes);
        let offset = 0;
        for (const part of entry.parts) {
          message.set(part!, offset);
          offset += part!.length;
        }
        forget(key);
        markCompleted(key);
        return { status: "complete", messageId: entry.messageId, message, evicted: [] };
      }
      const evicted = evict(key);
      return { status: "pending", messageId: entry.messageId, received: entry.received, count: entry.count, evicted };
    },
    drop(messageId) {
      const key = toHex(messageId);
      const had = pending.has(key);
      forget(key);
      return had;
    },
    get pendingMessages() {
      return pending.size;
    },
    get pendingBytes() {
      return pendingBytes;
    },
  };
}
