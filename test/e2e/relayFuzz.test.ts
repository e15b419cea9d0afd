import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalNetwork, LocalRelay } from "../../cli/src/devnet/localNetwork.ts";
import { RawSender, metric, startWithRawSender, offlineRecipient } from "../support/rawSender.ts";
import { waitFor } from "../support/waitFor.ts";
import { RelayFuzzer, relayAccounting } from "../support/relayFuzzer.ts";

// Random and mutated input sent to a running relay over libp2p (a short run; `npm run fuzz:relay` does
// over a million): it must not crash, must not grow without bound, and must count every input it refuses.
describe("fuzzing a relay over the network (relay processes, real libp2p)", () => {
  let net: LocalNetwork;
  let r1: LocalRelay;
  let sender: RawSender;

  beforeAll(async () => {
    ({ net, sender } = await startWithRawSender({ relays: 3 }, { account: 19, deposit: 1_000n }));
    r1 = net.relays[0]!;
  }, 120_000);
  afterAll(async () => {
    await sender?.close();
    await net?.stop();
  });

  it("survives 20,000 mutated and random frames plus garbage streams, and accounts for each", async () => {
    const valid = sender.build([r1, net.relays[1]!], offlineRecipient(net.relays[2]!).path);
    sender.send(valid.frame);
    await waitFor(() => sender.framesOfType("ack").length, (n) => n === 1, "the valid packet's ack");
    // Relay 2's ACK of it reaches relay 1 on its own schedule (feedback may linger a few ms): the snapshot
    // must include it, or it would count as an answer to a fuzzed input.
    await waitFor(() => metric(r1, "sotto_acks_received_total", { outcome: "ok" }), (n) => n === 1, "relay 2's ack of the valid packet");
    const before = await relayAccounting(r1);

    const fuzzer = new RelayFuzzer(r1, 0x5077);
    await fuzzer.run(valid.frame, 20_000);
    await fuzzer.garbage(20);
    const sent = fuzzer.tally.mutatedPackets + fuzzer.tally.randomFrames;
    const settled = await waitFor(
      () => relayAccounting(r1),
      (a) => a.packetsIn - before.packetsIn + (a.frameRejections - before.frameRejections) + (a.acks - before.acks) + (a.reveals - before.reveals) === sent && a.framingErrors - before.framingErrors === fuzzer.tally.garbageStreams && a.dropped - before.dropped === a.packetsIn - before.packetsIn,
      "the relay to account for every fuzzed input",
      60_000,
    );
    await fuzzer.close();

    // Every packet that decoded was either dropped for a counted reason or accepted (none can be: every copy is mutated).
    expect(settled.packetsIn - before.packetsIn).toBe(settled.dropped - before.dropped);
    expect(settled.accepted).toBe(before.accepted);
    expect(settled.packetsIn - before.packetsIn).toBeGreaterThan(1_000);
    // Still healthy, and its memory did not balloon.
    expect((await fetch(`${r1.apiUrl}/healthz`)).status).toBe(200);
    // Retained JavaScript memory must not grow; RSS may rise once as the allocator and the crypto worker's
    // message buffers warm up under the flood (it plateaus: `npm run fuzz:relay` samples it over 1M inputs).
    expect(before.heapUsedBytes).toBeGreaterThan(10 * 1024 * 1024);
    expect(settled.heapUsedBytes - before.heapUsedBytes).toBeLessThan(96 * 1024 * 1024);
    expect(settled.rssBytes - before.rssBytes).toBeLessThan(256 * 1024 * 1024);
    // And it still carries honest traffic.
    sender.send(sender.build([r1, net.relays[1]!], offlineRecipient(net.relays[2]!).path).frame);
    await waitFor(() => sender.framesOfType("ack").length, (n) => n === 2, "an honest packet after the fuzzing");
  }, 120_000);
});
