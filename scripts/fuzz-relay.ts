// Fuzzes a running relay over libp2p with a million (or --inputs N) mutated and random frames plus
// garbage streams, then checks that it is alive, counted every input, and did not grow without bound:
// after each chunk of 50,000 inputs the relay's heap in use and RSS are sampled; the floor of the heap
// (its least sample, i.e. after a GC) in the second half of the run must be within 16 MiB of the first
// half's, and the peak RSS of the second half within 64 MiB of the first half's (a plateau, not a slope).
//   npm run fuzz:relay [-- --inputs 1000000 --seed 7]
import { mkdirSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { startLocalNetwork } from "../cli/src/devnet/localNetwork.ts";
import { RawSender, offlineRecipient } from "../test/support/rawSender.ts";
import { waitFor } from "../test/support/waitFor.ts";
import { RelayFuzzer, relayAccounting } from "../test/support/relayFuzzer.ts";

const { values } = parseArgs({ options: { inputs: { type: "string", default: "1000000" }, seed: { type: "string", default: String(Date.now() % 2 ** 31) } } });
const inputs = Number(values.inputs);
const seed = Number(values.seed);
const log = (message: string) => process.stderr.write(`${message}\n`);

const net = await startLocalNetwork({ relays: 3, logLevel: "warn", onProgress: log });
try {
  const relay = net.relays[0]!;
  const sender = new RawSender(net, relay, 19);
  await sender.open(1_000n);
  const valid = sender.build([relay, net.relays[1]!], offlineRecipient(net.relays[2]!).path);
  sender.send(valid.frame);
  await waitFor(() => sender.framesOfType("ack").length, (n) => n === 1, "the valid packet's ack");
  const before = await relayAccounting(relay);
  const fuzzer = new RelayFuzzer(relay, seed);
  const started = Date.now();
  const chunk = 50_000;
  const samples: { inputs: number; rssMiB: number; heapUsedMiB: number }[] = [];
  for (let done = 0; done < inputs; done += chunk) {
    await fuzzer.run(valid.frame, Math.min(chunk, inputs - done));
    await fuzzer.garbage(10);
    const a = await relayAccounting(relay);
    samples.push({ inputs: Math.min(done + chunk, inputs), rssMiB: a.rssBytes / 2 ** 20, heapUsedMiB: a.heapUsedBytes / 2 ** 20 });
    log(`fuzz:relay ${Math.min(done + chunk, inputs).toLocaleString()} / ${inputs.toLocaleString()} inputs, rss ${(a.rssBytes / 2 ** 20).toFixed(0)} MiB, heap used ${(a.heapUsedBytes / 2 ** 20).toFixed(0)} MiB, ${Math.round((done + chunk) / ((Date.now() - started) / 1000))} inputs/s`);
  }
  const sent = fuzzer.tally.mutatedPackets + fuzzer.tally.randomFrames;
  const after = await waitFor(
    () => relayAccounting(relay),
    (a) => a.packetsIn - before.packetsIn + (a.frameRejections - before.frameRejections) + (a.acks - before.acks) + (a.reveals - before.reveals) === sent && a.dropped - before.dropped === a.packetsIn - before.packetsIn,
    "the relay to account for every input",
    120_000,
  );
  await fuzzer.close();
  const healthy = (await fetch(`${relay.apiUrl}/healthz`)).status === 200;
  const half = Math.ceil(samples.length / 2);
  const [first, second] = [samples.slice(0, half), samples.slice(half)];
  const least = (list: typeof samples, key: "heapUsedMiB" | "rssMiB") => Math.min(...list.map((x) => x[key]));
  const most = (list: typeof samples, key: "heapUsedMiB" | "rssMiB") => Math.max(...list.map((x) => x[key]));
  // With a single chunk there is no second half to compare: memory is judged only on longer runs.
  const memory =
    second.length === 0
      ? { heapFloorGrowthMiB: 0, rssPeakGrowthMiB: 0, flat: true }
      : (() => {
          const heapFloorGrowthMiB = least(second, "heapUsedMiB") - least(first, "heapUsedMiB");
          const rssPeakGrowthMiB = most(second, "rssMiB") - most(first, "rssMiB");
          return { heapFloorGrowthMiB, rssPeakGrowthMiB, flat: heapFloorGrowthMiB <= 16 && rssPeakGrowthMiB <= 64 };
        })();
  const result = {
    seed,
    inputs: sent,
    garbageStreams: fuzzer.tally.garbageStreams,
    seconds: (Date.now() - started) / 1000,
    packetsDecoded: after.packetsIn - before.packetsIn,
    packetsDropped: after.dropped - before.dropped,
    framesRejected: after.frameRejections - before.frameRejections,
    framingErrors: after.framingErrors - before.framingErrors,
    accepted: after.accepted - before.accepted,
    rssBeforeMiB: before.rssBytes / 2 ** 20,
    rssAfterMiB: after.rssBytes / 2 ** 20,
    heapUsedBeforeMiB: before.heapUsedBytes / 2 ** 20,
    heapUsedAfterMiB: after.heapUsedBytes / 2 ** 20,
    memory,
    samples,
    healthy,
    ok: healthy && memory.flat && after.accepted === before.accepted && after.packetsIn - before.packetsIn === after.dropped - before.dropped,
  };
  mkdirSync("bench/results", { recursive: true });
  writeFileSync("bench/results/fuzz-relay.json", `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(result, null, 2));
  process.exitCode = result.ok ? 0 : 1;
  await sender.close();
} finally {
  await net.stop();
}
