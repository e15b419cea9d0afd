import { FRAME_VERSION, MAX_BATCH_FRAMES } from "../constants.ts";
import { BaseError, InvalidLengthError, UnknownFrameTypeError, UnsupportedVersionError, asProtocolError } from "../errors.ts";
import { ByteReader } from "../utils/bytes.ts";
import { type Frame, frameSize, readFrame } from "./frames.ts";

/** One item read from a link: a frame, or a frame that was well delimited but invalid (and skipped). */
export type BatchStreamItem = { frame: Frame } | { error: BaseError; frameType: number };

/**
 * Incremental reader of a link stream: a sequence of batches (protocol.md §Link streams), fed with
 * whatever chunks the transport delivers. Every frame's size follows from its type byte, so a frame
 * whose content is invalid (bad ticket, bad path key…) is reported and skipped without losing the
 * stream; only a bad version byte, an unknown frame type or an oversized batch count break framing, and
 * `push` then throws (the caller closes the stream).
 */
export class BatchStreamDecoder {
  #buffer: Uint8Array = new Uint8Array(0);
  /** Frames still expected in the current batch; 0 = next bytes are a batch count. */
  #remaining = 0;
  #inBatch = false;

  /** Bytes received but not yet decoded. */
  get buffered(): number {
    return this.#buffer.length;
  }

  push(chunk: Uint8Array): BatchStreamItem[] {
    this.#append(chunk);
    const items: BatchStreamItem[] = [];
    let offset = 0;
    const bytes = this.#buffer;
    for (;;) {
      if (!this.#inBatch) {
        if (bytes.length - offset < 2) break;
        const count = (bytes[offset]! << 8) | bytes[offset + 1]!;
        if (count > MAX_BATCH_FRAMES) throw new InvalidLengthError({ what: "batch frame count", expected: `≤ ${MAX_BATCH_FRAMES}`, actual: count });
        offset += 2;
        this.#remaining = count;
        this.#inBatch = count > 0;
        continue;
      }
      if (bytes.length - offset < 2) break;
      const version = bytes[offset]!;
      const type = bytes[offset + 1]!;
      if (version !== FRAME_VERSION) throw new UnsupportedVersionError({ what: "frame", version, supported: [FRAME_VERSION] });
      const size = frameSize(type);
      if (size === undefined) throw new UnknownFrameTypeError({ type });
      if (bytes.length - offset < size) break;
      try {
        items.push({ frame: readFrame(new ByteReader(bytes.subarray(offset, offset + size), "frame")) });
      } catch (error) {
        items.push({ error: asProtocolError(error, "readFrame"), frameType: type });
      }
      offset += size;
      this.#remaining--;
      if (this.#remaining === 0) this.#inBatch = false;
    }
    this.#buffer = offset === bytes.length ? new Uint8Array(0) : bytes.slice(offset);
    return items;
  }

  #append(chunk: Uint8Array): void {
    if (this.#buffer.length === 0) {
      this.#buffer = chunk;
      return;
    }
    const merged = new Uint8Array(this.#buffer.length + chunk.length);
    merged.set(this.#buffer);
    merged.set(chunk, this.#buffer.length);
    this.#buffer = merged;
  }
}
