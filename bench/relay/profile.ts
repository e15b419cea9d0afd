/**
 * Summarises a V8 .cpuprofile (node --cpu-prof, e.g. from `BENCH_PROFILE=1 npm run bench:relay`): self and
 * inclusive time per function and self time per package / source area.
 *   node bench/relay/profile.ts <file.cpuprofile> [top=40] [filter]
 * Options (environment): FROM_US / TO_US restrict to a time window (a phase's `window` in the JSON);
 * CATEGORIES=1 [PACKETS=n] busy time by cost centre (µs per packet); CALLERS=<function> its call paths;
 * LONGTASKS=n the n longest stretches without an idle sample.
 */
import { readFileSync } from "node:fs";

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount: number;
  children?: number[];
}
const [file, topArg, filter] = process.argv.slice(2);
const profile = JSON.parse(readFileSync(file!, "utf8")) as { nodes: Node[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number };
const top = Number(topArg ?? "40");
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

// Sample time per node (timeDeltas[i] is the time before sample i), within FROM_US..TO_US if given
// (CLOCK_MONOTONIC µs, the clock of the profile's timestamps and of bench:relay's phase windows).
const windowFrom = Number(process.env.FROM_US ?? "0");
const windowTo = Number(process.env.TO_US ?? "Infinity");
const selfUs = new Map<number, number>();
let clock = profile.startTime;
for (let i = 0; i < profile.samples.length; i++) {
  clock += profile.timeDeltas[i] ?? 0;
  if (clock < windowFrom || clock > windowTo) continue;
  const dt = profile.timeDeltas[i + 1] ?? 0;
  selfUs.set(profile.samples[i]!, (selfUs.get(profile.samples[i]!) ?? 0) + dt);
}
const totalUs = [...selfUs.values()].reduce((a, b) => a + b, 0);
const short = (url: string) => url.replace(/^file:\/\/.*?\/(node_modules\/|work\/main\/)/, "").replace(/^node:/, "node:");
const key = (n: Node) => `${n.callFrame.functionName || "(anonymous)"}  ${short(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
const area = (n: Node) => {
  const u = n.callFrame.url;
  if (!u) return n.callFrame.functionName.startsWith("(") ? n.callFrame.functionName : "(native/V8)";
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(u);
  if (m) return m[1]!;
  if (u.startsWith("node:")) return u.split("/")[0]!.replace(/:.*/, ":") + u.slice(5).split("/")[0];
  const w = /work\/main\/([^/]+\/(?:src\/)?[^/]+)/.exec(u);
  return w ? w[1]! : u;
};

const self = new Map<string, number>();
const areas = new Map<string, number>();
const inclusive = new Map<string, number>();
for (const [id, us] of selfUs) {
  const n = byId.get(id)!;
  self.set(key(n), (self.get(key(n)) ?? 0) + us);
  areas.set(area(n), (areas.get(area(n)) ?? 0) + us);
  // Inclusive: count once per distinct function on the stack.
  const seen = new Set<string>();
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const k = key(byId.get(cur)!);
    if (seen.has(k)) continue;
    seen.add(k);
    inclusive.set(k, (inclusive.get(k) ?? 0) + us);
  }
}
const pct = (us: number) => `${((100 * us) / totalUs).toFixed(1).padStart(5)} %`;
const ms = (us: number) => `${(us / 1000).toFixed(0).padStart(7)} ms`;
console.log(`profile: ${((profile.endTime - profile.startTime) / 1e6).toFixed(1)} s wall, ${(totalUs / 1e6).toFixed(1)} s sampled${process.env.FROM_US ? " in the window" : ""}`);
const idle = [...self].filter(([k]) => k.startsWith("(idle)")).reduce((a, [, v]) => a + v, 0);
console.log(`busy (not idle): ${((totalUs - idle) / 1e6).toFixed(1)} s = ${pct(totalUs - idle)}\n`);
const show = (title: string, map: Map<string, number>) => {
  console.log(title);
  for (const [k, v] of [...map].filter(([k]) => !filter || k.includes(filter)).sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${ms(v)} ${pct(v)}  ${k}`);
  console.log("");
};
show("self time by area", areas);
show("self time by function", self);
show("inclusive time by function", inclusive);

// `CALLERS=<function name>`: the heaviest call paths (5 frames up) into that function.
if (process.env.CALLERS) {
  const paths = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const n = byId.get(id)!;
    if (n.callFrame.functionName !== process.env.CALLERS) continue;
    const chain: string[] = [];
    for (let cur = parent.get(id); cur !== undefined && chain.length < 8; cur = parent.get(cur)) chain.push(key(byId.get(cur)!));
    const k = chain.join("  <  ");
    paths.set(k, (paths.get(k) ?? 0) + us);
  }
  show(`callers of ${process.env.CALLERS}`, paths);
}

// `CATEGORIES=1`: busy time by cost centre; each sample goes to the innermost frame matching a rule.
// `PACKETS=n` adds µs per packet.
if (process.env.CATEGORIES) {
  const rules: [string, (n: Node) => boolean][] = [
    ["secp256k1 ECDH + point multiply (onion peel)", (n) => /secp256k1/.test(n.callFrame.url) && /^(ecdh|publicKeyTweakMul)$/.test(n.callFrame.functionName)],
    ["secp256k1 ECDSA recover (incoming ticket)", (n) => /secp256k1/.test(n.callFrame.url) && n.callFrame.functionName === "ecdsaRecover"],
    ["secp256k1 ECDSA sign (outgoing ticket)", (n) => /secp256k1/.test(n.callFrame.url) && n.callFrame.functionName === "ecdsaSign"],
    ["keccak256 (@noble/hashes, pure JS)", (n) => /@noble\/hashes\/sha3/.test(n.callFrame.url)],
    ["onion ChaCha20 via node:crypto (incl. raw-key overhead)", (n) => /nativeBackend/.test(n.callFrame.url) && n.callFrame.functionName === "chacha20"],
    ["HMAC-SHA256 / SHA-256 (node:crypto)", (n) => /nativeBackend/.test(n.callFrame.url) && /^(hmacSha256|sha256)$/.test(n.callFrame.functionName)],
    ["Noise ChaCha20-Poly1305 (libp2p encryption)", (n) => /chaCha20Poly1305(En|De)crypt/.test(n.callFrame.functionName)],
    ["TCP socket writes (syscalls)", (n) => n.callFrame.functionName === "writeBuffer" || n.callFrame.functionName === "handleWriteReq"],
    ["SQLite (better-sqlite3 + Store)", (n) => /better-sqlite3|relay\/src\/store\/store\.ts/.test(n.callFrame.url)],
    ["Prometheus metrics (prom-client)", (n) => /prom-client/.test(n.callFrame.url)],
    ["startup (module loading, TS stripping)", (n) => /modules\/(esm|cjs)|amaro|typescript/.test(n.callFrame.url) || n.callFrame.functionName === "compileSourceTextModule"],
    ["libp2p streams, yamux, noise framing", (n) => /@libp2p|libp2p-yamux|libp2p-noise|uint8arraylist|main-event|it-|p-queue|multiformats|libp2p\//.test(n.callFrame.url)],
    ["Sotto link (net/src)", (n) => /work\/main\/net\/src/.test(n.callFrame.url)],
    ["relay pipeline, books (relay/src)", (n) => /work\/main\/relay\/src/.test(n.callFrame.url)],
    ["protocol JS (decode, TLV, ledgers…)", (n) => /work\/main\/protocol\/src/.test(n.callFrame.url)],
    ["garbage collector", (n) => n.callFrame.functionName === "(garbage collector)"],
    ["idle", (n) => n.callFrame.functionName === "(idle)"],
  ];
  const cats = new Map<string, number>();
  for (const [id, us] of selfUs) {
    let cat = "other (node internals, V8)";
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const hit = rules.find(([, test]) => test(byId.get(cur!)!));
      if (hit) {
        cat = hit[0];
        break;
      }
    }
    cats.set(cat, (cats.get(cat) ?? 0) + us);
  }
  const busy = totalUs - (cats.get("idle") ?? 0);
  const packets = Number(process.env.PACKETS ?? "0");
  console.log(`busy time by cost centre (% of busy${packets ? `, µs per packet over ${packets} packets` : ""})`);
  for (const [k, v] of [...cats].filter(([k]) => k !== "idle").sort((a, b) => b[1] - a[1])) {
    console.log(`${(v / 1000).toFixed(0).padStart(7)} ms ${((100 * v) / busy).toFixed(1).padStart(5)} %${packets ? `${(v / packets).toFixed(1).padStart(8)} µs` : ""}  ${k}`);
  }
}

// `LONGTASKS=1`: the longest stretches of back-to-back busy samples (the event loop never idle), each with
// its heaviest functions; `FROM_US` / `TO_US` (CLOCK_MONOTONIC µs, as bench:relay logs them) narrow the window.
if (process.env.LONGTASKS) {
  const from = Number(process.env.FROM_US ?? "0");
  const to = Number(process.env.TO_US ?? "Infinity");
  const isIdle = (id: number) => byId.get(id)!.callFrame.functionName === "(idle)";
  let t = profile.startTime;
  type Stretch = { start: number; us: number; ids: number[] };
  const stretches: Stretch[] = [];
  let cur: Stretch | undefined;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0;
    const id = profile.samples[i]!;
    const dt = profile.timeDeltas[i + 1] ?? 0;
    if (t < from || t > to || isIdle(id)) {
      cur = undefined;
      continue;
    }
    if (!cur) stretches.push((cur = { start: t, us: 0, ids: [] }));
    cur.us += dt;
    cur.ids.push(id);
  }
  const busyInWindow = stretches.reduce((a, s) => a + s.us, 0);
  const hist = [1, 2, 5, 10, 20, 50, Infinity].map((le) => ({ le, n: 0, us: 0 }));
  for (const s of stretches) {
    const b = hist.find((h) => s.us / 1000 <= h.le)!;
    b.n++;
    b.us += s.us;
  }
  console.log(`busy stretches in window: ${stretches.length}, busy ${(busyInWindow / 1e6).toFixed(2)} s`);
  for (const h of hist) console.log(`  ≤ ${h.le} ms: ${h.n} stretches, ${((100 * h.us) / Math.max(1, busyInWindow)).toFixed(1)} % of busy time`);
  for (const s of stretches.sort((a, b) => b.us - a.us).slice(0, Number(process.env.LONGTASKS) || 10)) {
    const incl = new Map<string, number>();
    for (const id of s.ids) {
      const seen = new Set<string>();
      for (let c: number | undefined = id; c !== undefined; c = parent.get(c)) {
        const n = byId.get(c)!;
        if (!/work\/main\/(relay|net|protocol)\//.test(n.callFrame.url) && !/better-sqlite3|secp256k1|prom-client|viem|noise|yamux/.test(n.callFrame.url) && n.callFrame.functionName !== "(garbage collector)") continue;
        const k = key(n);
        if (!seen.has(k)) incl.set(k, (incl.get(k) ?? 0) + 1);
        seen.add(k);
      }
    }
    const top = [...incl].sort((a, b) => b[1] - a[1]).slice(0, 4).map(([k, n]) => `${k.split("  ")[0]} ${Math.round((100 * n) / s.ids.length)}%`);
    console.log(`  ${(s.us / 1000).toFixed(1).padStart(6)} ms at ${((s.start - from) / 1000).toFixed(0)} ms: ${top.join(", ")}`);
  }
}
