/**
 * The published BOLT 4 vectors stored in test/vectors/bolt04/ (see NOTICE.md), reproduced byte for byte
 * with both crypto back-ends: onion construction and hop-by-hop peeling, and route blinding both ways.
 */
import { describe, expect, it } from "vitest";
import {
  InvalidOnionHmacError,
  createBlindedPath,
  createOnionPacket,
  decodeBigSize,
  decodeEncryptedDataTlv,
  decryptRecipientData,
  deriveBlindedPrivateKey,
  deriveKey,
  deriveNextPathKey,
  encodeEncryptedDataTlv,
  fromHex,
  peelOnionPacket,
  toHex,
} from "../../protocol/src/index.ts";
import { backends, readJson } from "../protocol/helpers.ts";

const onionTest = readJson("test/vectors/bolt04/onion-test.json");
const blinding = readJson("test/vectors/bolt04/route-blinding-test.json");

/** onion-test.json payloads carry their BigSize length prefix; the API takes the bare TLV stream. */
function stripLength(hex: string): Uint8Array {
  const bytes = fromHex(hex);
  const { value, offset } = decodeBigSize(bytes);
  expect(Number(value)).toBe(bytes.length - offset);
  return bytes.subarray(offset);
}

describe.each(backends)("BOLT 4 onion-test.json (%s back-end)", (_, backend) => {
  const hops = onionTest.generate.hops.map((h: { pubkey: string; payload: string }) => ({ publicKey: fromHex(h.pubkey), payload: stripLength(h.payload) }));
  const associatedData = fromHex(onionTest.generate.associated_data);

  it("builds the 1366-byte onion byte for byte", () => {
    const { packet } = createOnionPacket(backend, { sessionKey: fromHex(onionTest.generate.session_key), hops, associatedData });
    expect(packet.length).toBe(1366);
    expect(toHex(packet)).toBe(onionTest.onion);
  });

  it("peels every hop with the given keys, the last one final", () => {
    let packet = fromHex(onionTest.onion);
    onionTest.decode.forEach((privateKey: string, i: number) => {
      const r = peelOnionPacket(backend, { packet, privateKey: fromHex(privateKey), associatedData });
      expect(toHex(r.payload)).toBe(toHex(hops[i].payload));
      expect(r.final).toBe(i === onionTest.decode.length - 1);
      if (r.nextPacket) packet = r.nextPacket;
    });
  });

  it("fails the HMAC with the wrong key or the wrong associated data", () => {
    const packet = fromHex(onionTest.onion);
    expect(() => peelOnionPacket(backend, { packet, privateKey: fromHex(onionTest.decode[1]), associatedData })).toThrow(InvalidOnionHmacError);
    expect(() => peelOnionPacket(backend, { packet, privateKey: fromHex(onionTest.decode[0]), associatedData: new Uint8Array(32) })).toThrow(InvalidOnionHmacError);
  });
});

describe.each(backends)("BOLT 4 route-blinding-test.json (%s back-end)", (_, backend) => {
  const g = blinding.generate.hops;
  it("creates both blinded routes and concatenates them (generate)", () => {
    const first = createBlindedPath(backend, {
      sessionKey: fromHex(g[0].session_key),
      hops: g.slice(0, 2).map((h: any) => ({ nodeId: fromHex(h.node_id), recipientData: fromHex(h.encoded_tlvs) })),
    });
    const second = createBlindedPath(backend, {
      sessionKey: fromHex(g[2].session_key),
      hops: g.slice(2).map((h: any) => ({ nodeId: fromHex(h.node_id), recipientData: fromHex(h.encoded_tlvs) })),
    });
    const hops = [...first.path.hops, ...second.path.hops];
    const details = [...first.details, ...second.details];
    g.forEach((h: any, i: number) => {
      expect(toHex(details[i]!.pathPrivateKey)).toBe(h.path_privkey);
      expect(toHex(details[i]!.pathKey)).toBe(h.path_key);
      expect(toHex(details[i]!.sharedSecret)).toBe(h.shared_secret);
      expect(toHex(details[i]!.rho)).toBe(h.rho);
      expect(toHex(hops[i]!.encryptedRecipientData)).toBe(h.encrypted_data);
      expect(toHex(hops[i]!.blindedNodeId)).toBe(h.blinded_node_id);
    });
    expect(toHex(first.path.introductionNodeId)).toBe(blinding.route.first_node_id);
    expect(toHex(first.path.pathKey)).toBe(blinding.route.first_path_key);
    expect(hops.map((h) => [toHex(h.blindedNodeId), toHex(h.encryptedRecipientData)])).toEqual(
      blinding.route.hops.map((h: any) => [h.blinded_node_id, h.encrypted_data]),
    );
  });

  it("round-trips every encoded_tlvs through the encrypted_data_tlv codec", () => {
    for (const h of g) {
      const decoded = decodeEncryptedDataTlv(fromHex(h.encoded_tlvs));
      expect(toHex(encodeEncryptedDataTlv(decoded))).toBe(h.encoded_tlvs);
    }
    const carol = decodeEncryptedDataTlv(fromHex(g[1].encoded_tlvs));
    expect(toHex(carol.nextPathKeyOverride!)).toBe(g[1].tlvs.next_path_key_override);
    expect(carol.paymentRelay).toEqual({ cltvExpiryDelta: 48, feeProportionalMillionths: 100, feeBaseMsat: 500n });
    const eve = decodeEncryptedDataTlv(fromHex(g[3].encoded_tlvs));
    expect(toHex(eve.pathId!)).toBe("deadbeef");
    expect(eve.unknown?.map((r) => [r.type, toHex(r.value)])).toEqual([[65535n, "06c1"]]);
  });

  it("unblinds at every hop (blinded private key, decrypted data, next path key)", () => {
    blinding.unblind.hops.forEach((h: any, i: number) => {
      const privateKey = fromHex(h.node_privkey);
      const pathKey = fromHex(h.path_key);
      const ss = backend.ecdh(pathKey, privateKey);
      expect(toHex(deriveBlindedPrivateKey(backend, privateKey, ss))).toBe(h.blinded_privkey);
      expect(toHex(backend.publicKeyFromPrivate(deriveBlindedPrivateKey(backend, privateKey, ss)))).toBe(blinding.route.hops[i].blinded_node_id);
      expect(toHex(deriveNextPathKey(backend, pathKey, ss))).toBe(h.next_path_key);
      const r = decryptRecipientData(backend, { encryptedRecipientData: fromHex(blinding.route.hops[i].encrypted_data), pathKey, privateKey });
      expect(toHex(r.plaintext)).toBe(h.decrypted_data);
      expect(toHex(r.nextPathKey!)).toBe(h.next_path_key_override ?? h.next_path_key);
      expect(toHex(deriveKey(backend, "rho", ss))).toBe(g[i].rho);
    });
  });
});
