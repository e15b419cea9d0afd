/**
 * Loopix-style mixing: each packet waits an independent exponentially distributed delay, so the order
 * and timing of packets leaving a relay says little about the order they arrived in.
 * `random` must be a uniform sample in [0, 1) from a CSPRNG in production.
 */
export function sampleMixingDelay(meanMs: number, maxMs: number, random: () => number): number {
  if (meanMs <= 0) return 0;
  const u = random();
  const delay = -meanMs * Math.log(1 - u);
  return Math.min(delay, maxMs);
}

/** A uniform [0, 1) sample from the platform CSPRNG (53 random bits). */
export function cryptoRandom(): number {
  const words = crypto.getRandomValues(new Uint32Array(2));
  return (words[0]! * 2 ** 21 + (words[1]! >>> 11)) / 2 ** 53;
}
