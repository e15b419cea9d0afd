import type { Address } from "viem";
import { IdentityRequiredError, type ClientClosedErrorType, type IdentityRequiredErrorType } from "../errors.ts";
import { getState } from "../internal/state.ts";
import { nowSeconds } from "../internal/utils.ts";

export type GetAddressesParameters = {
  /** Include expired addresses. Default false. */
  includeExpired?: boolean | undefined;
};
export type GetAddressesReturnType = { address: string; expiresAt: bigint; intro: Address; home: Address; createdAt: number }[];
export type GetAddressesErrorType = IdentityRequiredErrorType | ClientClosedErrorType | Error;

/**
 * The addresses this client issued (newest last), from its storage.
 *
 * @param client - A client from `createSottoClient` with an `identityKey`.
 * @param parameters - {@link GetAddressesParameters}
 * @returns {@link GetAddressesReturnType}
 *
 * @example
 * const current = (await getAddresses(client)).at(-1)?.address;
 */
export async function getAddresses(client: object, parameters: GetAddressesParameters = {}): Promise<GetAddressesReturnType> {
  const state = getState(client);
  if (!state.receiver) throw new IdentityRequiredError({ operation: "Listing addresses" });
  const now = nowSeconds();
  return (await state.receiver.addresses())
    .filter((a) => parameters.includeExpired || a.expiresAt > now)
    .map(({ address, expiresAt, intro, home, createdAt }) => ({ address, expiresAt, intro, home, createdAt }));
}
