import type { ClientClosedErrorType } from "../errors.ts";
import { getState } from "../internal/state.ts";
import type { RelayInfo } from "../types.ts";

export type GetRelaysParameters = {
  /** Read the registry now instead of using the cached directory. */
  refresh?: boolean | undefined;
  /** Only relays that can be routed through (active, staked). Default false: every record. */
  activeOnly?: boolean | undefined;
};
export type GetRelaysReturnType = RelayInfo[];
export type GetRelaysErrorType = ClientClosedErrorType | Error;

/**
 * The relay directory: every record of RelayRegistry (paginated view calls at one block), cached for the
 * client's `directoryTtlMs` and refreshed when a registry event is seen.
 *
 * @param client - A client from `createSottoClient`.
 * @param parameters - {@link GetRelaysParameters}
 * @returns The relays, with decoded onion keys and peer ids. {@link GetRelaysReturnType}
 *
 * @example
 * const relays = await getRelays(client, { activeOnly: true });
 * console.log(relays.map((r) => `${r.node} fee ${r.fee}`));
 */
export async function getRelays(client: object, parameters: GetRelaysParameters = {}): Promise<GetRelaysReturnType> {
  const state = getState(client);
  const relays = await state.directory.list(parameters.refresh ?? false);
  return parameters.activeOnly ? relays.filter((r) => r.active && r.stake > 0n) : [...relays];
}
