// Shared deployment steps of the Sotto modules.
import type { ArgumentType, IgnitionModuleBuilder } from "@nomicfoundation/ignition-core";

/** Defaults of the deployment parameters (token base units and seconds). */
export const SOTTO_DEFAULTS = {
  /** Minimum stake of an active relay: 100 tokens of 18 decimals. */
  minimumStake: 100n * 10n ** 18n,
  /** Seconds between `requestUnstake` and `withdraw`: 7 days. */
  unbondingDelay: 7n * 24n * 3600n,
  /** Seconds between `initiateClose` and `finalizeClose`: 1 day. */
  closeNoticePeriod: 24n * 3600n,
} as const;

/**
 * Deploys RelayRegistry and PaymentChannels for the given tokens, with the module parameters `minimumStake`,
 * `unbondingDelay` and `closeNoticePeriod` (see {@link SOTTO_DEFAULTS}).
 */
export function deployCore(
  m: IgnitionModuleBuilder,
  tokens: { stakingToken: ArgumentType; paymentToken: ArgumentType },
) {
  const minimumStake = m.getParameter("minimumStake", SOTTO_DEFAULTS.minimumStake);
  const unbondingDelay = m.getParameter("unbondingDelay", SOTTO_DEFAULTS.unbondingDelay);
  const closeNoticePeriod = m.getParameter("closeNoticePeriod", SOTTO_DEFAULTS.closeNoticePeriod);
  const registry = m.contract("RelayRegistry", [tokens.stakingToken, minimumStake, unbondingDelay]);
  const channels = m.contract("PaymentChannels", [tokens.paymentToken, closeNoticePeriod]);
  return { registry, channels };
}
