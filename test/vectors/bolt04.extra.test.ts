/**
 * The other published BOLT 4 vectors (lightning/bolts bolt04/ at a3772650): onion messages into a
 * concatenated blinded path, a payment onion into a partially blinded route, and error packets. They are
 * not stored in this repository (see bolt04/NOTICE.md): point BOLT04_VECTORS_DIR at a directory holding
 * them; each file's tests are skipped when it is absent.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  createBlindedPath,
  createErrorPacket,
  createOnionPacket,
  decodeBigSize,
  decodeOnionMessage,
  decodeOnionMessagePayload,
  decodeTlvStream,
  decryptErrorPacket,
  decryptRecipientData,
  deriveKey,
  encodeOnionMessage,
  encodeOnionMessagePayload,
  findTlv,
  fromHex,
  peelOnionPacket,
  toHex,
  wrapErrorPacket,
} from "../../protocol/src/index.ts";
import { backends, findExternalBoltVector } from "../protocol/helpers.ts";

function load(name: string): any {
  const path = findExternalBoltVector(name);
  return path ? JSON.parse(readFileSync(path, "utf8")) : undefined;
}

const message = load("blinded-onion-message-onion-test.json");
const payment = load("blinded-payment-onion-test.json");
const failure = load("onion-error-test.json");

describe.skipIf(!message).each(backends)("blinded-onion-message-onion-test.json (%s)", (_, backend) => {
  it("creates Alice's prepended hop and Dave's path Bob→Carol→Dave (generate)", () => {
    const hops = message.generate.hops;
    // Alice's hop is built by the sender with its own path key and next_path_key_override = Dave's E for Bob.
    const alice = createBlindedPath(backend, {
      sessionKey: fromHex(hops[0].path_key_secret),
      hops: [{ nodeId: fromHex(message.route.first_node_id), recipientData: fromHex(hops[0].encrypted_data_tlv) }],
    });
    // Node ids of Bob, Carol, Dave are the next_node_id of the hop before them.
    const nodeIds = [message.route.first_node_id, ...hops.slice(0, 3).map((h: any) => h.tlvs.next_node_id)];
    const path = createBlindedPath(backend, {
      sessionKey: fromHex(hops[1].path_key_secret),
      hops: hops.slice(1).map((h: any, i: number) => ({ nodeId: fromHex(nodeIds[i + 1]), recipientData: fromHex(h.encrypted_data_tlv) })),
    });
    const all = [
      { hop: alice.path.hops[0]!, detail: alice.details[0]! },
      ...path.path.hops.map((hop, i) => ({ hop, detail: path.details[i]! })),
    ];
    hops.forEach((h: any, i: number) => {
      const { hop, detail } = all[i]!;
      expect(toHex(detail.pathKey)).toBe(h.E);
      expect(toHex(detail.sharedSecret)).toBe(h.ss);
      expect(toHex(deriveKey(backend, "blinded_node_id", detail.sharedSecret))).toBe(h["HMAC256('blinded_node_id', ss)"]);
      expect(toHex(backend.sha256(new Uint8Array([...detail.pathKey, ...detail.sharedSecret])))).toBe(h["H(E || ss)"]);
      expect(toHex(detail.rho)).toBe(h.rho);
      expect(toHex(hop.blindedNodeId)).toBe(h.blinded_node_id);
      expect(toHex(hop.encryptedRecipientData)).toBe(h.encrypted_recipient_data);
      expect(toHex(hop.blindedNodeId)).toBe(message.route.hops[i].blinded_node_id);
      // next_e is e_{i+1} with a trailing 0x01 (compressed-key marker) in this file.
      const nextE = toHex(backend.privateKeyMul(fromHex(h.path_key_secret), fromHex(h["H(E || ss)"])));
      expect(`${nextE}01`).toBe(h.next_e);
    });
    expect(toHex(alice.path.pathKey)).toBe(message.route.first_path_key);
  });

  it("builds the onion_message_packet byte for byte", () => {
    const hops = message.route.hops.map((h: any, i: number) => ({
      publicKey: fromHex(h.blinded_node_id),
      payload: encodeOnionMessagePayload({
        encryptedRecipientData: fromHex(h.encrypted_recipient_data),
        others: i === message.route.hops.length - 1 ? [{ type: 1n, value: fromHex(message.onionmessage.unknown_tag_1) }] : [],
      }),
    }));
    const { packet } = createOnionPacket(backend, { sessionKey: fromHex(message.generate.session_key), hops });
    expect(toHex(packet)).toBe(message.onionmessage.onion_message_packet);
    expect(toHex(encodeOnionMessage({ pathKey: fromHex(message.route.first_path_key), packet }))).toBe(message.decrypt.hops[0].onion_message);
  });

  it("decrypts hop by hop, reproducing every onion_message (incl. next_path_key_override)", () => {
    let wire = fromHex(message.decrypt.hops[0].onion_message);
    for (const h of message.decrypt.hops) {
      expect(toHex(wire)).toBe(h.onion_message);
      const { pathKey, packet } = decodeOnionMessage(wire);
      const peeled = peelOnionPacket(backend, { packet, privateKey: fromHex(h.privkey), pathKey });
      const payload = decodeOnionMessagePayload(peeled.payload);
      const data = decryptRecipientData(backend, {
        encryptedRecipientData: payload.encryptedRecipientData!,
        pathKey,
        pathKeySharedSecret: peeled.pathKeySharedSecret,
      });
      if (peeled.final) {
        expect(toHex(payload.others[0]!.value)).toBe(h.tlvs.unknown_tag_1);
        expect(toHex(payload.encryptedRecipientData!)).toBe(h.tlvs.encrypted_recipient_data);
        expect(toHex(data.data.pathId!)).toBe(message.generate.hops[3].tlvs.path_id);
      } else {
        expect(toHex(data.data.nextNodeId!)).toBe(h.next_node_id);
        wire = encodeOnionMessage({ pathKey: data.nextPathKey!, packet: peeled.nextPacket! });
      }
    }
  });
});

describe.skipIf(!payment).each(backends)("blinded-payment-onion-test.json (%s)", (_, backend) => {
  const strip = (hex: string) => {
    const bytes = fromHex(hex);
    return bytes.subarray(decodeBigSize(bytes).offset);
  };
  it("builds the payment onion byte for byte", () => {
    const hops = payment.generate.full_route.hops.map((h: any) => ({ publicKey: fromHex(h.pubkey), payload: strip(h.payload) }));
    const { packet } = createOnionPacket(backend, {
      sessionKey: fromHex(payment.generate.session_key),
      associatedData: fromHex(payment.generate.associated_data),
      hops,
    });
    expect(toHex(packet)).toBe(payment.generate.onion);
  });

  it("peels every hop, reproducing the intermediate onions and next path keys", () => {
    const associatedData = fromHex(payment.generate.associated_data);
    let pathKey: Uint8Array | undefined;
    const hops = payment.decrypt.hops;
    hops.forEach((h: any, i: number) => {
      const peeled = peelOnionPacket(backend, { packet: fromHex(h.onion), privateKey: fromHex(h.node_privkey), associatedData, pathKey });
      expect(toHex(peeled.payload)).toBe(toHex(strip(payment.generate.full_route.hops[i].payload)));
      if (i + 1 < hops.length) expect(toHex(peeled.nextPacket!)).toBe(hops[i + 1].onion);
      const records = decodeTlvStream(peeled.payload);
      const encrypted = findTlv(records, 10n);
      if (encrypted) {
        const current = findTlv(records, 12n);
        const key = pathKey ?? current!;
        const data = decryptRecipientData(backend, { encryptedRecipientData: encrypted, pathKey: key, privateKey: fromHex(h.node_privkey) });
        expect(toHex(data.nextPathKey!)).toBe(h.next_path_key);
        pathKey = data.nextPathKey;
      }
    });
  });
});

describe.skipIf(!failure).each(backends)("onion-error-test.json (%s)", (_, backend) => {
  it("creates, wraps and decrypts the error packet", () => {
    const hops = failure.generate.hops;
    const secrets = hops.map((h: any) => fromHex(h.hop_shared_secret));
    hops.forEach((h: any) => expect(toHex(deriveKey(backend, "ammag", fromHex(h.hop_shared_secret)))).toBe(h.ammag_key));
    expect(toHex(deriveKey(backend, "um", secrets[4]))).toBe(hops[4].um_key);
    let packet = createErrorPacket(backend, { sharedSecret: secrets[4], failureMessage: fromHex(failure.generate.failure_message) });
    for (let i = 3; i >= 0; i--) packet = wrapErrorPacket(backend, { sharedSecret: secrets[i], packet });
    expect(toHex(packet)).toBe(failure.errorpacket);
    const decoded = decryptErrorPacket(backend, { sharedSecrets: secrets, packet });
    expect(decoded?.hopIndex).toBe(4);
    expect(toHex(decoded!.failureMessage)).toBe(failure.generate.failure_message);
  });
});
