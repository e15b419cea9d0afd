import type { StreamMuxerFactory } from "@libp2p/interface";
import { StreamState } from "@chainsafe/libp2p-yamux/stream";

/** The parts of a Yamux stream (@chainsafe/libp2p-yamux/stream) this wrapper reads. */
interface YamuxWindow {
  state: StreamState;
  recvWindow: number;
  recvWindowCapacity: number;
  sendWindowUpdate(): void;
}

/** The Yamux muxer's stream constructor, which every local and remote stream goes through. */
interface YamuxStreams {
  _newStream(...args: unknown[]): YamuxWindow;
}

/**
 * Wraps the Yamux muxer factory so that a stream tells its peer about free receive window only once less
 * than half of the window is left, as go-yamux does, instead of after every data frame.
 *
 * js-yamux answers every data frame with a window update: one more encrypted message and one more socket
 * write (a syscall that also wakes the peer) for every packet a relay receives, on both ends of the link.
 * The sender always keeps at least half a window (≥ 128 KiB, ~85 packets) to send into, so no stream ever
 * waits for an update; updates that carry flags (SYN/ACK while a stream opens) and updates after a pause
 * go out as before.
 */
export function lazyWindowUpdates<Components>(factory: (components: Components) => StreamMuxerFactory): (components: Components) => StreamMuxerFactory {
  return (components) => {
    const muxerFactory = factory(components);
    const createStreamMuxer = muxerFactory.createStreamMuxer.bind(muxerFactory);
    muxerFactory.createStreamMuxer = (connection) => {
      const muxer = createStreamMuxer(connection);
      const streams = muxer as unknown as YamuxStreams;
      if (typeof streams._newStream !== "function") return muxer;
      const newStream = streams._newStream.bind(muxer);
      streams._newStream = (...args) => {
        const stream = newStream(...args);
        if (typeof stream.sendWindowUpdate === "function" && typeof stream.recvWindowCapacity === "number") {
          const sendWindowUpdate = stream.sendWindowUpdate.bind(stream);
          stream.sendWindowUpdate = () => {
            if (stream.state === StreamState.Established && stream.recvWindowCapacity * 2 > stream.recvWindow) return;
            sendWindowUpdate();
          };
        }
        return stream;
      };
      return muxer;
    };
    return muxerFactory;
  };
}
