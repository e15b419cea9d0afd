import type { ConnectionEncrypter, MessageStream } from "@libp2p/interface";

/**
 * Wraps a connection encrypter (Noise) so that each encrypted message reaches the transport as one buffer.
 *
 * Noise hands the transport every message as a list of two buffers, its 2-byte length and the ciphertext,
 * and @libp2p/tcp writes each buffer to the socket on its own: two `write` syscalls (and often two TCP
 * segments) per message. On a relay, where every packet makes about eight messages (the packet, its ACK,
 * REVEAL and RECEIPT, and Yamux window updates), that was the largest single CPU cost at moderate load
 * (~14 µs per syscall on the benchmark VM). Joining the two costs one copy of a ~1.5 KB message.
 */
export function singleWriteEncrypter<Components, Extension>(
  factory: (components: Components) => ConnectionEncrypter<Extension>,
): (components: Components) => ConnectionEncrypter<Extension> {
  return (components) => {
    const encrypter = factory(components);
    const secureInbound = encrypter.secureInbound.bind(encrypter);
    const secureOutbound = encrypter.secureOutbound.bind(encrypter);
    encrypter.secureInbound = (connection, options) => secureInbound(joinWrites(connection), options);
    encrypter.secureOutbound = (connection, options) => secureOutbound(joinWrites(connection), options);
    return encrypter;
  };
}

/** Makes `connection.send` pass a list of buffers on as one buffer. */
export function joinWrites(connection: MessageStream): MessageStream {
  const send = connection.send.bind(connection);
  connection.send = (data: Parameters<MessageStream["send"]>[0]) => send(data instanceof Uint8Array ? data : data.subarray());
  return connection;
}
