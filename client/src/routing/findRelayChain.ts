import { stakeWeightedOrder } from "#protocol";

/** What route selection needs to know about a relay (a directory entry has all of it). */
export type ChainCandidate = {
  node: string;
  operator: string;
  stake: bigint;
  active: boolean;
};

export type FindRelayChainParameters<T extends ChainCandidate> = {
  /** The directory. Inactive relays and relays without stake are never chosen. */
  relays: readonly T[];
  /** How many relays the chain has. */
  length: number;
  /** Which relays may come first (e.g. the ones the sender has a funded channel to); default any. */
  firstAllowed?: ((relay: T) => boolean) | undefined;
  /**
   * A relay that follows the chain (the recipient's introduction node): it is not chosen, its operator
   * counts as used, and the chain's last relay must have a channel to it.
   */
  tail?: T | undefined;
  /** Whether `from` has a funded, open channel to `to` (both node addresses). */
  hasChannel: (from: string, to: string) => boolean | Promise<boolean>;
  /** Relays to leave out if at all possible (recently refused or timed out); used only when nothing else works. */
  avoid?: ReadonlySet<string> | undefined;
  /** Uniform in [0, 1); a CSPRNG for real routes. */
  random: () => number;
  /** Upper bound on `hasChannel` calls (each may be a chain read). Default 64. */
  maxChecks?: number | undefined;
};

const key = (address: string) => address.toLowerCase();

/**
 * A chain of `length` relays, each position drawn stake-weighted (`stakeWeightedOrder`) among the
 * eligible relays: active, staked, operators pairwise distinct (and distinct from the tail's), consecutive
 * relays joined by a funded channel, the first allowed by `firstAllowed`, the last with a channel to
 * `tail`. Depth-first with backtracking, bounded by `maxChecks` channel look-ups; relays in `avoid` are
 * tried only if no chain exists without them. Returns undefined when there is none.
 */
export async function findRelayChain<T extends ChainCandidate>(parameters: FindRelayChainParameters<T>): Promise<T[] | undefined> {
  const avoid = parameters.avoid ?? new Set<string>();
  const preferred = await search(parameters, (r) => !avoid.has(key(r.node)));
  if (preferred || avoid.size === 0) return preferred;
  return search(parameters, () => true);
}

async function search<T extends ChainCandidate>(p: FindRelayChainParameters<T>, allowed: (relay: T) => boolean): Promise<T[] | undefined> {
  const { length, tail, random } = p;
  let checks = p.maxChecks ?? 64;
  const channelCache = new Map<string, boolean>();
  const channel = async (from: string, to: string): Promise<boolean> => {
    const k = `${key(from)}>${key(to)}`;
    const known = channelCache.get(k);
    if (known !== undefined) return known;
    if (checks <= 0) return false;
    checks--;
    const ok = await p.hasChannel(from, to);
    channelCache.set(k, ok);
    return ok;
  };
  const eligible = p.relays.filter((r) => r.active && r.stake > 0n && allowed(r) && (!tail || key(r.node) !== key(tail.node)));
  const chain: T[] = [];
  const operators = new Set<string>(tail ? [key(tail.operator)] : []);
  const nodes = new Set<string>();

  const extend = async (): Promise<boolean> => {
    const position = chain.length;
    if (position === length) return tail ? channel(chain[length - 1]!.node, tail.node) : true;
    const options = eligible.filter(
      (r) => !operators.has(key(r.operator)) && !nodes.has(key(r.node)) && (position > 0 || !p.firstAllowed || p.firstAllowed(r)),
    );
    for (const relay of stakeWeightedOrder(options, random)) {
      if (checks <= 0 && position > 0) return false;
      if (position > 0 && !(await channel(chain[position - 1]!.node, relay.node))) continue;
      chain.push(relay);
      operators.add(key(relay.operator));
      nodes.add(key(relay.node));
      if (await extend()) return true;
      chain.pop();
      operators.delete(key(relay.operator));
      nodes.delete(key(relay.node));
    }
    return false;
  };

  if (length === 0) return tail && p.firstAllowed && !p.firstAllowed(tail) ? undefined : [];
  return (await extend()) ? [...chain] : undefined;
}
