import type { ConnectionEncrypter, MessageStream } from "@libp2p/interface";
import { concatInto } from "#protocol";
import { takeBytes } from "./byteSlab.ts";
import { wrapEncrypter } from "./wrapEncrypter.ts";

/**
 * Wraps a connection encrypter (Noise) so that what one tick (a callback and its microtasks) writes to a
 * connection reaches the socket as few times as possible:
 *
 * - Below Noise (`joinWrites`): Noise hands the transport every message as a list of two buffers, its 2-byte
 *   length and the ciphertext, and @libp2p/tcp writes each buffer with its own `write` syscall (and often
 *   its own TCP segment). Joining them costs one copy of a ~1.5 KB message, into the shared slab
 *   (byteSlab.ts) rather than a buffer of its own.
 * - Above Noise (`coalesceSends`): Yamux hands Noise every frame on its own (a packet, an ACK, a window
 *   update for each data frame received), and Noise encrypts each as its own message, one syscall each. On a
 *   relay every packet makes about eight such frames, and the syscalls were the largest single CPU cost at
 *   moderate load (~14 µs each on the benchmark VM). Frames sent during one tick are now encrypted and
 *   written together.
 */
export function batchedWriteEncrypter<Components, Extension>(
  factory: (components: Components) => ConnectionEncrypter<Extension>,
): (components: Components) => ConnectionEncrypter<Extension> {
  return wrapEncrypter(factory, (secure) => async (connection, options) => {
    const secured = await secure(joinWrites(connection), options);
    const flush = coalesceSends(secured.connection);
    // libp2p closes the transport connection right after the muxer (whose last frames may still be
    // queued above Noise, in microtasks that run before the tick ends): send them first.
    const close = connection.close.bind(connection);
    connection.close = (closeOptions) => {
      flush();
      return close(closeOptions);
    };
    return secured;
  });
}

/** Makes `connection.send` pass a list of buffers on as one buffer. */
export function joinWrites(connection: MessageStream): MessageStream {
  const send = connection.send.bind(connection);
  connection.send = (data: Parameters<MessageStream["send"]>[0]) => send(data instanceof Uint8Array ? data : concatInto(data, takeBytes(data.byteLength)));
  return connection;
}

/** The parts of @libp2p/utils' AbstractMessageStream (which Noise's encrypted stream extends) used here. */
interface SendQueue {
  writeBuffer: { byteLength: number; append(data: Parameters<MessageStream["send"]>[0]): void };
  writableNeedsDrain: boolean;
  writeStatus: string;
  processSendQueue(): boolean;
}

/**
 * Makes `stream.send` queue its data and send everything queued once, at the end of the current tick (after
 * its microtasks). Backpressure is kept: `send` returns false once the stream below needs draining, and the
 * stream resumes on its 'drain' as before. `close` sends what is queued first. Returns a function that sends
 * what is queued now.
 */
export function coalesceSends(stream: MessageStream): () => void {
  const queue = stream as unknown as SendQueue;
  if (typeof queue.processSendQueue !== "function" || queue.writeBuffer === undefined) return () => {};
  const send = stream.send.bind(stream);
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (queue.writeBuffer.byteLength === 0) return;
    // A failed send aborts the stream (its 'close' event tells its users); nothing to rethrow to here.
    try {
      queue.processSendQueue();
    } catch {}
  };
  stream.send = (data) => {
    if (queue.writeStatus !== "writable") return send(data);
    queue.writeBuffer.append(data);
    if (!scheduled) {
      scheduled = true;
      process.nextTick(flush);
    }
    return !queue.writableNeedsDrain;
  };
  const close = stream.close.bind(stream);
  stream.close = (options) => {
    flush();
    return close(options);
  };
  return flush;
}
