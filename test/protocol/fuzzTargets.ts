/**
 * Fuzz targets for every decoder of protocol/: random bytes and mutations of valid inputs. The property
 * is always the same — a decoder returns a value or throws a `BaseError`, never anything else — plus
 * targeted ones (any tampered onion byte is detected). Used by protocol/src/fuzz.test.ts (≈ 100k cases,
 * a few seconds) and by `npm run fuzz:protocol` (many more).
 */
import fc from "fast-check";
import {
  BaseError,
  InvalidOnionHmacError,
  buildPacket,
  createRecipientPath,
  decodeAddress,
  decodeBatch,
  decodeBigSize,
  decodeBlindedPath,
  decodeEncryptedDataTlv,
  decodeFragment,
  decodeFrame,
  decodeHopPayload,
  decodeOnionMessage,
  decodeOnionMessagePayload,
  decodeTlvStream,
  decodeWireTicket,
  encodeAddress,
  encodeBatch,
  encodeBlindedPath,
  encodeEncryptedDataTlv,
  encodeFragment,
  encodeHopPayload,
  encodeOnionMessage,
  encodeWireTicket,
  hashTicketDomain,
  portableBackend,
  processPacket,
  signTicket,
  verifyTicket,
  type CryptoBackend,
  type ForwardInstruction,
  type Frame,
} from "../../protocol/src/index.ts";
import { getNativeBackend } from "../../protocol/src/native.ts";

const key = (b: number) => new Uint8Array(32).fill(b);

/** Runs `f`; anything thrown must be a BaseError. */
export function onlyTypedErrors(f: () => unknown): void {
  try {
    f();
  } catch (error) {
    if (!(error instanceof BaseError)) throw new Error(`untyped error: ${String(error)}`, { cause: error });
  }
}

type Mutation = { kind: number; position: number; value: number; length: number };
const arbMutation: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.integer({ min: 0, max: 5 }),
  position: fc.nat(),
  value: fc.integer({ min: 0, max: 255 }),
  length: fc.integer({ min: 1, max: 40 }),
});

/** Applies byte-level mutations: flip, set, insert, delete, truncate, duplicate a slice. */
export function mutate(input: Uint8Array, mutations: readonly Mutation[]): Uint8Array {
  let bytes = input.slice();
  for (const m of mutations) {
    const p = bytes.length === 0 ? 0 : m.position % bytes.length;
    switch (m.kind) {
      case 0:
        if (bytes.length) bytes[p]! ^= 1 << (m.value & 7);
        break;
      case 1:
        if (bytes.length) bytes[p] = m.value;
        break;
      case 2:
        bytes = Uint8Array.from([...bytes.subarray(0, p), m.value, ...bytes.subarray(p)]);
        break;
      case 3:
        bytes = Uint8Array.from([...bytes.subarray(0, p), ...bytes.subarray(p + m.length)]);
        break;
      case 4:
        bytes = bytes.slice(0, p);
        break;
      default:
        bytes = Uint8Array.from([...bytes.subarray(0, p), ...bytes.subarray(p, p + m.length), ...bytes.subarray(p)]);
    }
  }
  return bytes;
}

/** Random bytes, or a valid sample with 1–4 mutations. */
export function inputs(samples: readonly Uint8Array[], maxRandom = 400): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    fc.uint8Array({ maxLength: maxRandom }),
    fc.tuple(fc.constantFrom(...samples), fc.array(arbMutation, { minLength: 1, maxLength: 4 })).map(([s, m]) => mutate(s, m)),
  );
}

export type FuzzTarget = { name: string; runs: number; property: () => fc.IProperty<any> };

function samples(backend: CryptoBackend) {
  const ids = [1, 2, 3, 4].map((i) => backend.publicKeyFromPrivate(key(0x10 + i)));
  const paid = createRecipientPath(backend, { sessionKey: key(0x31), relays: [{ nodeId: ids[2]!, fee: 3n }], recipientNodeId: ids[3]!, pathId: key(5) });
  const built = buildPacket(backend, {
    sessionKey: key(0x41),
    route: [0, 1].map((i) => ({ nodeId: ids[i]!, fee: 7n })),
    recipient: paid,
    fragment: { messageId: key(6).subarray(0, 16), index: 0, count: 1, data: new TextEncoder().encode("fuzz me") },
    replyPath: paid,
  });
  const domain = hashTicketDomain(backend, { chainId: 1n, verifyingContract: new Uint8Array(20) });
  const payee = new Uint8Array(20).fill(9);
  const ticket = signTicket(backend, { domain, privateKey: key(7), payee, epoch: 1n, cumulative: 1000n, index: 4n, challenge: built.ticket!.challenge });
  const voucher = signTicket(backend, { domain, privateKey: key(7), payee, epoch: 1n, cumulative: 1000n, index: 5n, challenge: new Uint8Array(32) });
  const frames: Frame[] = [
    { type: "packet", pathKey: undefined, onion: built.onion, ticket },
    { type: "packet", pathKey: paid.path.pathKey, onion: built.onion, ticket: undefined },
    { type: "ack", ackSecret: key(1) },
    { type: "reveal", response: key(2) },
    { type: "receipt", ackSecret: key(3), recipientAckSecret: key(4) },
    { type: "voucher", ticket: voucher },
    { type: "nack", challenge: key(5), reason: 1 },
  ];
  const hop1 = processPacket(backend, { onion: built.onion, privateKey: key(0x11) }) as ForwardInstruction;
  const payloads = [
    encodeHopPayload({ nextNodeId: ids[1], incomingChallenge: key(1), outgoingChallenge: key(2), amountIn: 10n, amountOut: 3n }),
    encodeHopPayload({ encryptedRecipientData: paid.path.hops[0]!.encryptedRecipientData, incomingChallenge: key(1), amountIn: 10n }),
    encodeHopPayload({
      fragment: { messageId: key(6).subarray(0, 16), index: 1, count: 3, data: key(8) },
      replyPath: paid,
      unknown: [{ type: 65601n, value: key(1) }],
    }),
  ];
  return { ids, paid, built, domain, payee, ticket, frames, hop1, payloads };
}

/** The decoders and their fuzz budgets (runs per vitest pass). */
export function fuzzTargets(): FuzzTarget[] {
  const native = getNativeBackend();
  const s = samples(portableBackend);
  const n = samples(native);
  const frameBytes = s.frames.map((f) => encodeBatch([f]).subarray(2));
  const batch = encodeBatch(s.frames);
  const address = encodeAddress({ ...s.paid, chainId: 1n, expiresAt: 2n });
  const onionMessage = encodeOnionMessage({ pathKey: s.paid.path.pathKey, packet: s.built.onion });
  const tlvSamples = [...s.payloads, encodeEncryptedDataTlv({ nextNodeId: s.ids[0], padding: new Uint8Array(3), unknown: [{ type: 561n, value: key(1).subarray(0, 3) }] })];

  return [
    { name: "decodeBigSize", runs: 12_000, property: () => fc.property(inputs([new Uint8Array([0xfd, 0, 0xfd]), new Uint8Array([0xff, 1, 2, 3, 4, 5, 6, 7, 8])], 12), (b) => onlyTypedErrors(() => decodeBigSize(b))) },
    {
      name: "decodeTlvStream",
      runs: 15_000,
      property: () =>
        fc.property(inputs(tlvSamples), fc.boolean(), (b, strict) =>
          onlyTypedErrors(() => decodeTlvStream(b, strict ? { known: new Set([2n, 4n, 65537n]) } : {})),
        ),
    },
    { name: "decodeHopPayload", runs: 15_000, property: () => fc.property(inputs(s.payloads), (b) => onlyTypedErrors(() => decodeHopPayload(b))) },
    { name: "decodeEncryptedDataTlv", runs: 6_000, property: () => fc.property(inputs(tlvSamples), (b) => onlyTypedErrors(() => decodeEncryptedDataTlv(b))) },
    { name: "decodeOnionMessagePayload", runs: 4_000, property: () => fc.property(inputs(s.payloads), (b) => onlyTypedErrors(() => decodeOnionMessagePayload(b))) },
    { name: "decodeBlindedPath", runs: 6_000, property: () => fc.property(inputs([encodeBlindedPath(s.paid.path)]), (b) => onlyTypedErrors(() => decodeBlindedPath(b))) },
    { name: "decodeFragment", runs: 4_000, property: () => fc.property(inputs([encodeFragment({ messageId: key(1).subarray(0, 16), index: 2, count: 3, data: key(2) })], 60), (b) => onlyTypedErrors(() => decodeFragment(b))) },
    { name: "decodeWireTicket", runs: 8_000, property: () => fc.property(inputs([encodeWireTicket(s.ticket)], 160), (b) => onlyTypedErrors(() => decodeWireTicket(b))) },
    { name: "decodeFrame", runs: 12_000, property: () => fc.property(inputs(frameBytes, 1600), (b) => onlyTypedErrors(() => decodeFrame(b))) },
    { name: "decodeBatch", runs: 3_000, property: () => fc.property(inputs([batch], 200), (b) => onlyTypedErrors(() => decodeBatch(b))) },
    { name: "decodeOnionMessage", runs: 3_000, property: () => fc.property(inputs([onionMessage], 100), (b) => onlyTypedErrors(() => decodeOnionMessage(b))) },
    {
      name: "decodeAddress",
      runs: 6_000,
      property: () =>
        fc.property(
          fc.oneof(
            fc.string({ maxLength: 120 }),
            fc.tuple(fc.nat(), fc.constantFrom(..."qpzry9x8gf2tvdw0s3jn54khce6mua7l1A!")).map(([p, c]) => address.slice(0, p % address.length) + c + address.slice((p % address.length) + 1)),
            fc.nat().map((p) => address.slice(0, p % address.length)),
          ),
          (text) => onlyTypedErrors(() => decodeAddress(text)),
        ),
    },
    {
      name: "processPacket (native, mutated onions and path keys)",
      runs: 4_000,
      property: () =>
        fc.property(
          fc.tuple(fc.constantFrom(n.built.onion, n.hop1.nextOnion), fc.array(arbMutation, { minLength: 1, maxLength: 3 })),
          fc.constantFrom(key(0x11), key(0x12), key(0x13)),
          fc.option(fc.constantFrom(n.paid.path.pathKey, n.ids[0]!), { nil: undefined }),
          ([onion, m], privateKey, pathKey) => onlyTypedErrors(() => processPacket(native, { onion: mutate(onion, m), privateKey, pathKey })),
        ),
    },
    {
      name: "processPacket (portable, mutated onions)",
      runs: 150,
      property: () =>
        fc.property(fc.array(arbMutation, { minLength: 1, maxLength: 3 }), (m) =>
          onlyTypedErrors(() => processPacket(portableBackend, { onion: mutate(s.built.onion, m), privateKey: key(0x11) })),
        ),
    },
    {
      name: "processPacket detects any single tampered byte (native)",
      runs: 3_000,
      property: () =>
        fc.property(fc.integer({ min: 0, max: 1365 }), fc.integer({ min: 1, max: 255 }), (position, xor) => {
          const onion = n.built.onion.slice();
          onion[position]! ^= xor;
          try {
            processPacket(native, { onion, privateKey: key(0x11) });
          } catch (error) {
            if (!(error instanceof BaseError)) throw error;
            if (position >= 34 && !(error instanceof InvalidOnionHmacError)) throw new Error(`byte ${position}: ${error.name}`);
            return;
          }
          throw new Error(`tampered byte ${position} went unnoticed`);
        }),
    },
    {
      name: "verifyTicket (native, mutated tickets)",
      runs: 2_000,
      property: () =>
        fc.property(fc.array(arbMutation, { minLength: 1, maxLength: 2 }), (m) => {
          const bytes = mutate(encodeWireTicket(n.ticket), m);
          onlyTypedErrors(() => {
            const ticket = decodeWireTicket(bytes);
            verifyTicket(native, { domain: n.domain, ticket, payee: n.payee });
          });
        }),
    },
  ];
}
