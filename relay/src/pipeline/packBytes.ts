/**
 * Copies a message for another thread so that all of its byte arrays live in one ArrayBuffer, which is then
 * transferred, not cloned. Cloned, every byte array would arrive as its own ArrayBuffer (external memory,
 * which drives the receiving thread's garbage collector), and a byte array that is a view into a larger
 * buffer (a packet decoded from a socket read) would take the whole larger buffer with it.
 *
 * Plain objects and arrays are copied; byte arrays become views into the returned buffer; other values
 * (numbers, bigints, strings, booleans, undefined) are kept. The input is not modified.
 */
export function packBytes<T>(message: T): { message: T; buffer: ArrayBuffer } {
  let total = 0;
  const measure = (value: unknown): void => {
    if (value instanceof Uint8Array) total += value.length;
    else if (Array.isArray(value)) value.forEach(measure);
    else if (value !== null && typeof value === "object") Object.values(value).forEach(measure);
  };
  measure(message);
  const buffer = new ArrayBuffer(total);
  const all = new Uint8Array(buffer);
  let offset = 0;
  const copy = (value: unknown): unknown => {
    if (value instanceof Uint8Array) {
      all.set(value, offset);
      const view = new Uint8Array(buffer, offset, value.length);
      offset += value.length;
      return view;
    }
    if (Array.isArray(value)) return value.map(copy);
    if (value !== null && typeof value === "object") {
      const out: Record<string, unknown> = {};
      for (const [key, field] of Object.entries(value)) out[key] = copy(field);
      return out;
    }
    return value;
  };
  return { message: copy(message) as T, buffer };
}
