import { FRAGMENT_HEADER_SIZE, MAX_FRAGMENTS, MAX_MESSAGE_SIZE, MESSAGE_ID_SIZE } from "../constants.ts";
import { FragmentError, InvalidParameterError, MessageTooLargeError, asProtocolError } from "../errors.ts";
import { ByteReader, concatBytes, encodeU16 } from "../utils/bytes.ts";

/** One piece of a message, carried in the recipient's `fragment` TLV (protocol.md §Fragments). */
export type Fragment = {
  /** 16 random bytes chosen by the sender, the same for every fragment of a message. */
  messageId: Uint8Array;
  /** 0-based position. */
  index: number;
  /** Number of fragments of the message, 1 … 1024. */
  count: number;
  data: Uint8Array;
};

/** TLV value: message_id (16) ‖ index u16 ‖ count u16 ‖ data. */
export function encodeFragment(fragment: Fragment): Uint8Array {
  checkFragmentFields(fragment);
  return concatBytes(fragment.messageId, encodeU16(fragment.index), encodeU16(fragment.count), fragment.data);
}

export function decodeFragment(bytes: Uint8Array): Fragment {
  try {
    const reader = new ByteReader(bytes, "fragment");
    const messageId = reader.copy(MESSAGE_ID_SIZE);
    const index = reader.u16();
    const count = reader.u16();
    const data = reader.rest().slice();
    const fragment = { messageId, index, count, data };
    checkFragmentFields(fragment);
    return fragment;
  } catch (error) {
    throw asProtocolError(error, "decodeFragment");
  }
}

function checkFragmentFields({ messageId, index, count, data }: Fragment): void {
  if (!(messageId instanceof Uint8Array) || messageId.length !== MESSAGE_ID_SIZE) throw new FragmentError({ reason: `message id must be ${MESSAGE_ID_SIZE} bytes` });
  if (!Number.isInteger(count) || count < 1 || count > MAX_FRAGMENTS) throw new FragmentError({ reason: `count ${count} not in 1…${MAX_FRAGMENTS}` });
  if (!Number.isInteger(index) || index < 0 || index >= count) throw new FragmentError({ reason: `index ${index} not below count ${count}` });
  if (!(data instanceof Uint8Array) || data.length > MAX_MESSAGE_SIZE) throw new FragmentError({ reason: "data larger than a message may be" });
}

/** Size of the fragment TLV value for `dataLength` bytes of data. */
export function fragmentValueLength(dataLength: number): number {
  return FRAGMENT_HEADER_SIZE + dataLength;
}

/**
 * Splits a message into fragments of at most `capacity` data bytes (see `fragmentCapacity`). An empty
 * message is one empty fragment. Throws `MessageTooLargeError` over `MAX_MESSAGE_SIZE` bytes or
 * `MAX_FRAGMENTS` fragments.
 */
export function splitMessage({ message, messageId, capacity }: { message: Uint8Array; messageId: Uint8Array; capacity: number }): Fragment[] {
  if (message.length > MAX_MESSAGE_SIZE) throw new MessageTooLargeError({ size: message.length, max: MAX_MESSAGE_SIZE });
  if (!Number.isInteger(capacity) || capacity < 1) throw new InvalidParameterError({ parameter: "capacity", reason: "the route leaves no room for message data" });
  const count = Math.max(1, Math.ceil(message.length / capacity));
  if (count > MAX_FRAGMENTS) throw new MessageTooLargeError({ size: message.length, max: MAX_FRAGMENTS * capacity });
  const out: Fragment[] = [];
  for (let index = 0; index < count; index++) {
    out.push({ messageId: messageId.slice(), index, count, data: message.slice(index * capacity, (index + 1) * capacity) });
  }
  return out;
}
