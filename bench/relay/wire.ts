/**
 * Minimal raw handling of Sotto link streams for the load generator and the sink (protocol.md §9): batches
 * are `count (u16) ‖ frames`, every frame's size follows from its type. Neither side decodes frame content
 * (no point checks, no ticket parsing): they only slice bytes, so their CPU cost per packet stays far
 * below the relay's.
 */
import {
  FRAME_TYPE_ACK,
  FRAME_TYPE_NACK,
  FRAME_TYPE_PACKET,
  FRAME_TYPE_RECEIPT,
  FRAME_TYPE_REVEAL,
  FRAME_TYPE_VOUCHER,
  FRAME_VERSION,
  PACKET_FRAME_SIZE,
  frameSize,
} from "#protocol";

export { FRAME_TYPE_ACK, FRAME_TYPE_NACK, FRAME_TYPE_PACKET, FRAME_TYPE_RECEIPT, FRAME_TYPE_REVEAL, FRAME_TYPE_VOUCHER, FRAME_VERSION, PACKET_FRAME_SIZE };

/** Offset of the ticket's challenge inside a PACKET frame: header 2 + path key 33 + onion 1366 + 52. */
export const PACKET_CHALLENGE_OFFSET = 2 + 33 + 1366 + 52;
/** Baseline packets (generator → sink directly) carry this in place of the ticket challenge, then a u32 index. */
export const BASELINE_MARK = Buffer.from("SOTTO-BENCH-BASE", "latin1");
/** One sink-table entry: challenge of R's outgoing ticket (32) ‖ S's ack secret (32) ‖ recipient's ack secret (32). */
export const TABLE_ENTRY = 96;


/**
 * Splits a byte stream into frames without decoding them: `onFrame(type, buffer, offset)` for each. The
 * buffer is only valid during the call.
 */
export class RawBatchReader {
  #buf = Buffer.alloc(0);
  #remaining = -1; // frames left in the current batch, -1 = expecting a batch header
  readonly #onFrame: (type: number, buf: Buffer, offset: number) => void;

  constructor(onFrame: (type: number, buf: Buffer, offset: number) => void) {
    this.#onFrame = onFrame;
  }

  push(chunk: Uint8Array): void {
    const incoming = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const buf = this.#buf.length === 0 ? incoming : Buffer.concat([this.#buf, incoming]);
    let off = 0;
    for (;;) {
      if (this.#remaining <= 0) {
        if (buf.length - off < 2) break;
        this.#remaining = buf.readUInt16BE(off);
        off += 2;
        continue;
      }
      if (buf.length - off < 2) break;
      if (buf[off] !== FRAME_VERSION) throw new Error(`bad frame version ${buf[off]}`);
      const type = buf[off + 1]!;
      const size = frameSize(type);
      if (size === undefined) throw new Error(`unknown frame type ${type}`);
      if (buf.length - off < size) break;
      this.#onFrame(type, buf, off);
      off += size;
      this.#remaining--;
    }
    this.#buf = off === buf.length ? Buffer.alloc(0) : Buffer.from(buf.subarray(off));
  }
}

/** A batch of `count` frames, each written by `write(out, offset)` at its offset. */
export function batch(count: number, frameSize: number, write: (out: Buffer, offset: number, i: number) => void): Buffer {
  const out = Buffer.allocUnsafe(2 + count * frameSize);
  out.writeUInt16BE(count, 0);
  for (let i = 0; i < count; i++) write(out, 2 + i * frameSize, i);
  return out;
}

/** Monotonic clock shared by every process on this machine (CLOCK_MONOTONIC), in microseconds. */
export const nowUs = (): number => Number(process.hrtime.bigint() / 1000n);
