/**
 * Worker thread: pre-builds PACKET frames for the relay benchmark (building costs more than relaying, so
 * nothing is built while the relay is measured). Packet i goes sender → R → S → recipient (a plain node
 * id), with the sender's ticket to R pre-signed at cumulative (i+1)·amount, index i. Also emits the sink's
 * table entry for packet i: the challenge R's outgoing ticket to S will carry, S's ack secret (what S ACKs
 * to R) and the recipient's ack secret (what S REVEALs to R and puts in the RECEIPT).
 *
 * workerData: the route and keys (BuildParams); then one message per job, { from, to }.
 */
import { randomBytes } from "node:crypto";
import { parentPort, workerData } from "node:worker_threads";
import { buildPacket, encodeFrame, signTicket } from "#protocol";
import { getNativeBackend } from "#protocol/native";
import { PACKET_FRAME_SIZE, TABLE_ENTRY } from "./wire.ts";

export interface BuildParams {
  relayOnionKey: Uint8Array;
  sinkOnionKey: Uint8Array;
  relayFee: bigint;
  sinkFee: bigint;
  recipientNodeId: Uint8Array;
  senderKey: Uint8Array;
  senderAddress: Uint8Array;
  relayNode: Uint8Array;
  domain: Uint8Array;
  epoch: bigint;
}

const backend = getNativeBackend();
const p = workerData as BuildParams;
const route = [
  { nodeId: p.relayOnionKey, fee: p.relayFee },
  { nodeId: p.sinkOnionKey, fee: p.sinkFee },
];
const data = new Uint8Array(64).fill(0x5a);

parentPort!.on("message", ({ from, to }: { from: number; to: number }) => {
  const count = to - from;
  const frames = new Uint8Array(count * PACKET_FRAME_SIZE);
  const table = new Uint8Array(count * TABLE_ENTRY);
  let lastReport = 0;
  for (let k = 0; k < count; k++) {
    const i = from + k;
    const built = buildPacket(backend, {
      sessionKey: randomBytes(32),
      route,
      recipient: { nodeId: p.recipientNodeId },
      fragment: { messageId: randomBytes(16), index: 0, count: 1, data },
    });
    const amount = built.ticket!.amount;
    const ticket = signTicket(backend, {
      domain: p.domain,
      privateKey: p.senderKey,
      payer: p.senderAddress,
      payee: p.relayNode,
      epoch: p.epoch,
      cumulative: BigInt(i + 1) * amount,
      index: BigInt(i),
      challenge: built.ticket!.challenge,
    });
    frames.set(encodeFrame({ type: "packet", pathKey: built.pathKey, onion: built.onion, ticket }), k * PACKET_FRAME_SIZE);
    const entry = k * TABLE_ENTRY;
    table.set(built.hops[1]!.ticketChallenge!, entry); // the challenge of R's ticket to S = keccak(recipient's ack)
    table.set(built.hops[1]!.ackSecret, entry + 32);
    table.set(built.hops[2]!.ackSecret, entry + 64);
    if (k - lastReport >= 500) {
      parentPort!.postMessage({ progress: k - lastReport });
      lastReport = k;
    }
  }
  parentPort!.postMessage({ progress: count - lastReport, from, frames, table }, [frames.buffer, table.buffer]);
});
