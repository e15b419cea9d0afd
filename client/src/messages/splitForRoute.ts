import { MAX_FRAGMENTS, MAX_MESSAGE_SIZE, MessageTooLargeError, splitMessage, type Fragment } from "#protocol";
import { InvalidArgumentError } from "../errors.ts";

export type SplitForRouteParameters = {
  message: Uint8Array;
  /** 16 random bytes, the same for every fragment. */
  messageId: Uint8Array;
  /** Data bytes that fit in the first packet (the one that also carries the reply path). */
  first: number;
  /** Data bytes that fit in every other packet. */
  rest: number;
};

/**
 * Cuts a message into fragments for a route (docs/protocol.md §13): the first fragment holds at most
 * `first` bytes (its packet also carries the reply path), the others at most `rest`. An empty message is
 * one empty fragment. Throws `MessageTooLargeError` beyond 65,536 bytes or 1,024 fragments.
 */
export function splitForRoute({ message, messageId, first, rest }: SplitForRouteParameters): Fragment[] {
  if (!Number.isInteger(rest) || rest < 1) throw new InvalidArgumentError({ parameter: "rest", reason: "the route leaves no room for message data" });
  if (!Number.isInteger(first) || first < 1) throw new InvalidArgumentError({ parameter: "first", reason: "the first packet leaves no room for message data" });
  if (first >= rest) return splitMessage({ message, messageId, capacity: rest });
  if (message.length > MAX_MESSAGE_SIZE) throw new MessageTooLargeError({ size: message.length, max: MAX_MESSAGE_SIZE });
  if (message.length <= first) return [{ messageId: messageId.slice(), index: 0, count: 1, data: message.slice() }];
  const count = 1 + Math.ceil((message.length - first) / rest);
  if (count > MAX_FRAGMENTS) throw new MessageTooLargeError({ size: message.length, max: first + (MAX_FRAGMENTS - 1) * rest });
  const out: Fragment[] = [{ messageId: messageId.slice(), index: 0, count, data: message.slice(0, first) }];
  for (let index = 1; index < count; index++) {
    const start = first + (index - 1) * rest;
    out.push({ messageId: messageId.slice(), index, count, data: message.slice(start, start + rest) });
  }
  return out;
}
