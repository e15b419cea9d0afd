import {
  createOnionPacket,
  decodeBigSize,
  encodeOnionMessage,
  encodeTlvStream,
  decodeTlvStream,
  toHex,
  TLV_ENCRYPTED_RECIPIENT_DATA,
  type OnionHop,
} from "#protocol";
import { getNativeBackend } from "#protocol/native";
import type { Command } from "../../command.ts";
import { UserError } from "../../errors.ts";
import { hexField, parseJson, protocolStep, readInput } from "./input.ts";

const FORMAT = `Route description (JSON object; an onion-test.json-style file with a "generate" member is accepted as is):
  session_key       hex, 32 bytes (required)
  associated_data   hex (optional; empty for onion messages)
  onion_size        total packet size in bytes (optional, default 1366)
  hops              [{ "pubkey": hex33, "payload": hex }]: plain hops; "payload" carries its BigSize length
                    prefix as in the BOLT vectors, or give "tlvs": hex without the prefix
  blinded_path      { "first_node_id", "first_path_key", "hops": [{ "blinded_node_id",
                    "encrypted_recipient_data" }] } (optional): appended after "hops", each blinded hop's
                    payload being its encrypted_recipient_data (TLV 4)
  final_tlvs        hex TLV records added to the last blinded hop's payload (optional)`;

type Hop = { pubkey?: unknown; payload?: unknown; tlvs?: unknown };

function hopPayload(hop: Hop, i: number): Uint8Array {
  if (hop.tlvs !== undefined) return hexField(hop.tlvs, `hops[${i}].tlvs`);
  const prefixed = hexField(hop.payload, `hops[${i}].payload`);
  const { value, offset } = protocolStep(`hops[${i}].payload length prefix`, () => decodeBigSize(prefixed));
  if (BigInt(prefixed.length - offset) !== value) {
    throw new UserError(`hops[${i}].payload: its BigSize prefix says ${value} bytes but ${prefixed.length - offset} follow (use "tlvs" for a bare TLV stream)`);
  }
  return prefixed.subarray(offset);
}

export const onionBuild: Command = {
  path: ["onion", "build"],
  summary: "Build a BOLT 4 onion (or onion message) from a JSON route description",
  usage: "[--file route.json] [--json]",
  options: { file: { type: "string", short: "f" }, json: { type: "boolean" } },
  descriptions: {
    file: "route description (JSON); '-' or absent: read stdin",
    json: "print JSON (onion, onion_message, shared secrets) instead of the onion hex",
  },
  examples: ["sotto onion build --file test/vectors/bolt04/onion-test.json", "cat route.json | sotto onion build --json", "", FORMAT],
  run: async ({ values, io }) => {
    let spec = parseJson(await readInput(values, io, "route description"), "route description");
    if (typeof spec.generate === "object" && spec.generate !== null) spec = spec.generate as Record<string, unknown>;
    const sessionKey = hexField(spec.session_key, "session_key", 32);
    const associatedData = spec.associated_data === undefined ? undefined : hexField(spec.associated_data, "associated_data");
    const onionSize = spec.onion_size === undefined ? 1366 : Number(spec.onion_size);
    if (!Number.isInteger(onionSize) || onionSize < 68 || onionSize > 65535) throw new UserError("onion_size must be an integer between 68 and 65535");
    if (spec.hops !== undefined && !Array.isArray(spec.hops)) throw new UserError("hops must be an array");
    const hops: OnionHop[] = ((spec.hops as Hop[] | undefined) ?? []).map((hop, i) => {
      if (typeof hop !== "object" || hop === null) throw new UserError(`hops[${i}] must be an object`);
      return { publicKey: hexField(hop.pubkey, `hops[${i}].pubkey`, 33), payload: hopPayload(hop, i) };
    });
    let firstPathKey: Uint8Array | undefined;
    if (spec.blinded_path !== undefined) {
      const path = spec.blinded_path as { first_path_key?: unknown; hops?: unknown };
      if (typeof path !== "object" || path === null || !Array.isArray(path.hops) || path.hops.length === 0) {
        throw new UserError("blinded_path must be an object with a non-empty hops array");
      }
      firstPathKey = hexField(path.first_path_key, "blinded_path.first_path_key", 33);
      const extra = spec.final_tlvs === undefined ? [] : protocolStep("final_tlvs", () => decodeTlvStream(hexField(spec.final_tlvs, "final_tlvs")));
      path.hops.forEach((h: { blinded_node_id?: unknown; encrypted_recipient_data?: unknown }, i: number, all: unknown[]) => {
        const records = [{ type: TLV_ENCRYPTED_RECIPIENT_DATA, value: hexField(h.encrypted_recipient_data, `blinded_path.hops[${i}].encrypted_recipient_data`) }];
        if (i === all.length - 1) records.push(...extra);
        hops.push({
          publicKey: hexField(h.blinded_node_id, `blinded_path.hops[${i}].blinded_node_id`, 33),
          payload: protocolStep("final_tlvs", () => encodeTlvStream(records)),
        });
      });
    }
    if (hops.length === 0) throw new UserError("the route has no hops: give hops and/or blinded_path");
    const backend = getNativeBackend();
    const { packet, sharedSecrets } = protocolStep("cannot build the onion", () =>
      createOnionPacket(backend, { sessionKey, hops, associatedData, routingInfoSize: onionSize - 66 }),
    );
    if (!values.json) {
      io.stdout(`${toHex(packet)}\n`);
      return 0;
    }
    const out: Record<string, unknown> = { onion: toHex(packet), shared_secrets: sharedSecrets.map((s) => toHex(s)) };
    // With no plain hop in front, the blinded path's first path key travels with the onion (BOLT 4 type 513).
    if (firstPathKey && (spec.hops === undefined || (spec.hops as unknown[]).length === 0)) {
      out.onion_message = toHex(encodeOnionMessage({ pathKey: firstPathKey, packet }));
    }
    io.stdout(`${JSON.stringify(out, null, 2)}\n`);
    return 0;
  },
};
