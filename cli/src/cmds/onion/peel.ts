import { readFileSync } from "node:fs";
import {
  decodeEncryptedDataTlv,
  decodeHopPayload,
  decodeOnionMessage,
  decodeTlvStream,
  decryptRecipientData,
  deriveAckSecret,
  deriveReplayTag,
  encodeOnionMessage,
  findTlv,
  peelOnionPacket,
  toHex,
  type EncryptedDataTlv,
} from "#protocol";
import { getNativeBackend } from "#protocol/native";
import type { Command } from "../../command.ts";
import { UsageError, UserError } from "../../errors.ts";
import { hexField, protocolStep, readInput } from "./input.ts";

function jsonable(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (_, v) => (v instanceof Uint8Array ? toHex(v) : typeof v === "bigint" ? v.toString() : v)));
}

function describeRecipientData(data: EncryptedDataTlv): unknown {
  return jsonable(data);
}

export const onionPeel: Command = {
  path: ["onion", "peel"],
  summary: "Peel one layer of a BOLT 4 onion with a node key and print what the hop sees (JSON)",
  usage: "(--key <hex> | --key-file <path>) [--onion <hex> | --file <path>] [--ad <hex>] [--path-key <hex>] [--message]",
  options: {
    key: { type: "string" },
    "key-file": { type: "string" },
    onion: { type: "string" },
    file: { type: "string", short: "f" },
    ad: { type: "string" },
    "path-key": { type: "string" },
    message: { type: "boolean" },
  },
  descriptions: {
    key: "the node's private key, hex (test keys only: it lands in shell history)",
    "key-file": "file holding the node's private key as hex",
    onion: "the onion as hex (else --file, else stdin)",
    file: "file holding the onion hex; '-' for stdin",
    ad: "associated data, hex (payments; empty for onion messages)",
    "path-key": "route-blinding path key received with the onion, hex",
    message: "the input is a whole onion_message (type 513: path key + onion)",
  },
  examples: [
    "sotto onion peel --key 4141…41 --ad 4242…42 --onion 0002eec7…",
    "sotto onion peel --key-file alice.key --message --file msg.hex",
  ],
  run: async ({ values, io }) => {
    let keyHex = typeof values.key === "string" ? values.key : undefined;
    if (typeof values["key-file"] === "string") {
      try {
        keyHex = readFileSync(values["key-file"], "utf8");
      } catch (error) {
        throw new UserError(`cannot read --key-file: ${(error as Error).message}`);
      }
    }
    if (keyHex === undefined) throw new UsageError("--key or --key-file is required (the node's private key)");
    const privateKey = hexField(keyHex, "key", 32);
    const input = typeof values.onion === "string" ? values.onion : await readInput(values, io, "onion");
    let packet = hexField(input, values.message ? "onion_message" : "onion");
    let pathKey = typeof values["path-key"] === "string" ? hexField(values["path-key"], "path-key", 33) : undefined;
    if (values.message) {
      if (pathKey) throw new UsageError("--path-key conflicts with --message (the message carries its path key)");
      const message = protocolStep("not an onion_message", () => decodeOnionMessage(packet));
      packet = message.packet;
      pathKey = message.pathKey;
    }
    const associatedData = typeof values.ad === "string" ? hexField(values.ad, "ad") : undefined;
    const backend = getNativeBackend();
    const peeled = protocolStep("cannot peel", () => peelOnionPacket(backend, { packet, privateKey, associatedData, pathKey }));
    const records = protocolStep("hop payload is not a TLV stream", () => decodeTlvStream(peeled.payload));
    const out: Record<string, unknown> = {
      shared_secret: toHex(peeled.sharedSecret),
      payload: toHex(peeled.payload),
      tlvs: records.map((r) => ({ type: r.type.toString(), value: toHex(r.value) })),
      final: peeled.final,
      next_onion: peeled.nextPacket ? toHex(peeled.nextPacket) : null,
    };
    try {
      out.sotto = { payload: jsonable(decodeHopPayload(peeled.payload)) };
    } catch {
      out.sotto = { payload: null };
    }
    (out.sotto as Record<string, unknown>).ack_secret = toHex(deriveAckSecret(backend, peeled.sharedSecret));
    (out.sotto as Record<string, unknown>).replay_tag = toHex(deriveReplayTag(backend, peeled.sharedSecret));

    // Route blinding: onion messages / Sotto carry encrypted_recipient_data in TLV 4, payments in TLV 10
    // (with current_path_key in TLV 12 at the introduction node).
    const encrypted = findTlv(records, 4n) ?? findTlv(records, 10n);
    const currentPathKey = findTlv(records, 12n);
    const blindingKey = pathKey ?? (currentPathKey && currentPathKey.length === 33 ? currentPathKey : undefined);
    if (encrypted && blindingKey) {
      const decrypted = protocolStep("cannot decrypt encrypted_recipient_data", () =>
        decryptRecipientData(backend, { encryptedRecipientData: encrypted, pathKey: blindingKey, privateKey, computeNextPathKey: !peeled.final }),
      );
      out.path_key_shared_secret = peeled.pathKeySharedSecret ? toHex(peeled.pathKeySharedSecret) : toHex(backend.ecdh(blindingKey, privateKey));
      out.recipient_data = { plaintext: toHex(decrypted.plaintext), decoded: describeRecipientData(decodeEncryptedDataTlv(decrypted.plaintext)) };
      out.next_node_id = decrypted.data.nextNodeId ? toHex(decrypted.data.nextNodeId) : null;
      out.next_path_key = decrypted.nextPathKey ? toHex(decrypted.nextPathKey) : null;
      if (values.message && decrypted.nextPathKey && peeled.nextPacket) {
        out.next_onion_message = toHex(encodeOnionMessage({ pathKey: decrypted.nextPathKey, packet: peeled.nextPacket }));
      }
    } else if (encrypted && !blindingKey) {
      out.recipient_data = null;
      out.note = "the payload has encrypted_recipient_data but no path key was given (--path-key or --message)";
    }
    io.stdout(`${JSON.stringify(out, null, 2)}\n`);
    return 0;
  },
};
