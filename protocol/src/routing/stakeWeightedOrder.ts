/**
 * A stake-weighted random permutation (Efraimidis–Spirakis): each item gets the key `ln(u) / stake` for a
 * uniform `u`, highest first, so an item with twice the stake is twice as likely to come before another.
 * Items with zero stake are left out. `random` must be uniform in [0, 1) (a CSPRNG for route selection).
 */
export function stakeWeightedOrder<T extends { stake: bigint }>(items: readonly T[], random: () => number): T[] {
  return items
    .filter((item) => item.stake > 0n)
    .map((item) => ({ item, key: Math.log(random() || Number.MIN_VALUE) / Number(item.stake) }))
    .sort((a, b) => b.key - a.key)
    .map((entry) => entry.item);
}
