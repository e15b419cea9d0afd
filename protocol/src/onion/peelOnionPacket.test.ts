import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { backends } from "../../../test/protocol/helpers.ts";
import { portableBackend } from "../crypto/portableBackend.ts";
import { CURVE_ORDER } from "../crypto/scalars.ts";
import { encodeUint } from "../utils/bytes.ts";
import { createOnionPacket } from "./createOnionPacket.ts";
import { peelOnionPacket, type PeelOnionPacketReturnType } from "./peelOnionPacket.ts";

const arbScalar = fc.bigInt({ min: 1n, max: CURVE_ORDER - 1n }).map((v) => encodeUint(v, 32));
const arbRoute = fc.record({
  sessionKey: arbScalar,
  hops: fc.array(fc.record({ privateKey: arbScalar, payload: fc.uint8Array({ minLength: 2, maxLength: 200 }) }), { minLength: 1, maxLength: 4 }),
  associatedData: fc.option(fc.uint8Array({ minLength: 1, maxLength: 40 }), { nil: undefined }),
  routingInfoSize: fc.constantFrom(400, 1300),
});

const OTHER_KEY = encodeUint(0xabcdefn, 32);
const OTHER_PAYLOAD = new Uint8Array(300).fill(7);
const other = createOnionPacket(portableBackend, {
  sessionKey: encodeUint(0x1234n, 32),
  hops: [{ publicKey: portableBackend.publicKeyFromPrivate(OTHER_KEY), payload: OTHER_PAYLOAD }, { publicKey: portableBackend.publicKeyFromPrivate(encodeUint(5n, 32)), payload: OTHER_PAYLOAD }],
});

const snapshot = (r: PeelOnionPacketReturnType) => ({
  payload: r.payload.slice(),
  sharedSecret: r.sharedSecret.slice(),
  final: r.final,
  nextPacket: r.nextPacket?.slice(),
});

/**
 * The peel deciphers in a reused, zeroed workspace: every result must still be right, and none may share
 * memory with a later peel's work (a view into the workspace would change under the caller).
 */
describe.each(backends)("peelOnionPacket (%s)", (_, backend) => {
  it("recovers every hop's payload in route order, and earlier results stay intact across later peels (property)", () => {
    fc.assert(
      fc.property(arbRoute, ({ sessionKey, hops, associatedData, routingInfoSize }) => {
        const onion = createOnionPacket(portableBackend, {
          sessionKey,
          hops: hops.map((h) => ({ publicKey: portableBackend.publicKeyFromPrivate(h.privateKey), payload: h.payload })),
          associatedData,
          routingInfoSize,
        });
        let packet: Uint8Array | undefined = onion.packet;
        const results: PeelOnionPacketReturnType[] = [];
        const seen: ReturnType<typeof snapshot>[] = [];
        hops.forEach((hop, i) => {
          const peeled = peelOnionPacket(backend, { packet: packet!, privateKey: hop.privateKey, associatedData });
          expect(peeled.payload).toEqual(hop.payload);
          expect(peeled.sharedSecret).toEqual(onion.sharedSecrets[i]);
          expect(peeled.final).toBe(i === hops.length - 1);
          // Peels of other onions in between, one that succeeds and one that fails its HMAC, must not disturb it.
          expect(peelOnionPacket(backend, { packet: other.packet, privateKey: OTHER_KEY }).payload).toEqual(OTHER_PAYLOAD);
          expect(() => peelOnionPacket(backend, { packet: other.packet, privateKey: hop.privateKey })).toThrow();
          results.push(peeled);
          seen.push(snapshot(peeled));
          packet = peeled.nextPacket;
        });
        results.forEach((r, i) => expect(snapshot(r)).toEqual(seen[i]));
      }),
      { numRuns: 40 },
    );
  });
});
