/**
 * Errors thrown by the client SDK (viem style): one `BaseError` with a short message, meta messages
 * (context and what to do next), details and a `cause` chain with `walk()`, and one named subclass per
 * failure, each with a literal `name` and a matching `…ErrorType`. It extends `protocol/`'s `BaseError`, so
 * `error instanceof ProtocolBaseError` holds for every Sotto error.
 */
import { BaseError as ProtocolBaseError, type BaseErrorParameters } from "#protocol";

export type ClientErrorParameters = BaseErrorParameters;

export type BaseErrorType = BaseError & { name: "SottoClientError" };

export class BaseError extends ProtocolBaseError {
  override name: string = "SottoClientError";
}

const amount = (value: bigint) => value.toString();

/** The entry channel cannot pay for the send, and `autoTopUp` is off. */
export class InsufficientChannelFundsError extends BaseError {
  override name = "InsufficientChannelFundsError" as const;
  /** The relay the channel pays (its node address). */
  readonly payee: string;
  /** What the send needs (token base units). */
  readonly needed: bigint;
  /** What the channel can still pay. */
  readonly spendable: bigint;
  /** `needed − spendable`: the least to add with `fundChannel`. */
  readonly missing: bigint;
  constructor({ payee, needed, spendable }: { payee: string; needed: bigint; spendable: bigint }) {
    const missing = needed - spendable;
    super(`The channel to relay ${payee} is short by ${amount(missing)} (needs ${amount(needed)}, can pay ${amount(spendable)}).`, {
      metaMessages: [`Fund it with at least ${amount(missing)} more (fundChannel / \`sotto channel fund --relay ${payee} --amount ${amount(missing)}\`), or create the client with autoTopUp.`],
    });
    this.payee = payee;
    this.needed = needed;
    this.spendable = spendable;
    this.missing = missing;
  }
}
export type InsufficientChannelFundsErrorType = InsufficientChannelFundsError;

/** Sending needs an open, funded channel to at least one active relay. */
export class NoChannelError extends BaseError {
  override name = "NoChannelError" as const;
  constructor({ payer }: { payer: string }) {
    super(`${payer} has no open channel to an active relay.`, {
      metaMessages: ["Open one first: fundChannel({ relay, amount }) / `sotto channel open --relay <node> --amount <n>` (see `sotto relays`)."],
    });
  }
}
export type NoChannelErrorType = NoChannelError;

/** No route satisfies the rules (active relays, distinct operators, funded channels between consecutive hops). */
export class NoRouteError extends BaseError {
  override name = "NoRouteError" as const;
  constructor({ reason, metaMessages }: { reason: string; metaMessages?: string[] }) {
    super(`No route to the recipient: ${reason}.`, { metaMessages });
  }
}
export type NoRouteErrorType = NoRouteError;

/** The recipient (a `sotto1…` address or reply path) cannot be used. */
export class InvalidRecipientError extends BaseError {
  override name = "InvalidRecipientError" as const;
  constructor({ reason, cause }: { reason: string; cause?: unknown }) {
    super(`Invalid recipient: ${reason}.`, { cause });
  }
}
export type InvalidRecipientErrorType = InvalidRecipientError;

/** The address's advisory expiry has passed. */
export class AddressExpiredError extends BaseError {
  override name = "AddressExpiredError" as const;
  readonly expiresAt: bigint;
  constructor({ expiresAt }: { expiresAt: bigint }) {
    super(`The recipient's address expired at ${new Date(Number(expiresAt) * 1000).toISOString()}.`, {
      metaMessages: ["Ask the recipient for a fresh address (or pass allowExpired: true to try anyway)."],
    });
    this.expiresAt = expiresAt;
  }
}
export type AddressExpiredErrorType = AddressExpiredError;

/** A fragment got neither a receipt nor (with `waitForReceipt: false`) an acceptance within its attempts. */
export class DeliveryFailedError extends BaseError {
  override name = "DeliveryFailedError" as const;
  readonly messageId: string;
  readonly fragment: number;
  readonly attempts: number;
  readonly reasons: readonly string[];
  constructor({ messageId, fragment, attempts, reasons }: { messageId: string; fragment: number; attempts: number; reasons: readonly string[] }) {
    super(`Fragment ${fragment} of message ${messageId} was not delivered after ${attempts} attempt(s).`, {
      metaMessages: [`Attempts: ${reasons.join("; ")}`, "The recipient may be offline (its home relay keeps the message if one attempt reached it); try again later or with a longer receiptTimeoutMs."],
    });
    this.messageId = messageId;
    this.fragment = fragment;
    this.attempts = attempts;
    this.reasons = reasons;
  }
}
export type DeliveryFailedErrorType = DeliveryFailedError;

/** The operation needs a wallet (paying channels, signing tickets). */
export class WalletRequiredError extends BaseError {
  override name = "WalletRequiredError" as const;
  constructor({ operation }: { operation: string }) {
    super(`${operation} needs a wallet: create the client with \`wallet\` (a viem wallet client with an account).`);
  }
}
export type WalletRequiredErrorType = WalletRequiredError;

/** The operation needs the client's identity key (receiving, addresses, reply paths). */
export class IdentityRequiredError extends BaseError {
  override name = "IdentityRequiredError" as const;
  constructor({ operation }: { operation: string }) {
    super(`${operation} needs an identity: create the client with \`identityKey\` (a 32-byte secp256k1 private key kept on this device).`);
  }
}
export type IdentityRequiredErrorType = IdentityRequiredError;

/** Listening or fetching the inbox before any address was created. */
export class NoAddressError extends BaseError {
  override name = "NoAddressError" as const;
  constructor() {
    super("This client has not created an address yet, so no relay holds messages for it.", {
      metaMessages: ["Create one with createAddress() / `sotto address` and give it to your correspondents."],
    });
  }
}
export type NoAddressErrorType = NoAddressError;

/** A relay named by the caller, or by an address, is not in the directory (or not active). */
export class RelayNotFoundError extends BaseError {
  override name = "RelayNotFoundError" as const;
  constructor({ relay, reason }: { relay: string; reason?: string }) {
    super(`Relay ${relay} ${reason ?? "is not in the relay directory"}.`, { metaMessages: ["List the relays with getRelays() / `sotto relays`."] });
  }
}
export type RelayNotFoundErrorType = RelayNotFoundError;

/** The wallet returned a ticket signature that does not verify for the payer. */
export class TicketSigningError extends BaseError {
  override name = "TicketSigningError" as const;
  constructor({ cause }: { cause?: unknown }) {
    super("The wallet's ticket signature does not verify for the channel's payer (wrong account or chain?).", { cause });
  }
}
export type TicketSigningErrorType = TicketSigningError;

/** The relay link could not be opened or broke. */
export class RelayUnreachableError extends BaseError {
  override name = "RelayUnreachableError" as const;
  constructor({ relay, cause }: { relay: string; cause?: unknown }) {
    super(`Cannot reach relay ${relay}${cause instanceof Error ? `: ${cause.message.split("\n")[0]}` : ""}.`, { cause });
  }
}
export type RelayUnreachableErrorType = RelayUnreachableError;

/** A network default is unavailable here (no libp2p host outside Node: pass `host`). */
export class HostRequiredError extends BaseError {
  override name = "HostRequiredError" as const;
  constructor() {
    super("No libp2p host: outside Node, create the client with `host` (a libp2p node with a WebSocket transport).");
  }
}
export type HostRequiredErrorType = HostRequiredError;

/** The client was closed. */
export class ClientClosedError extends BaseError {
  override name = "ClientClosedError" as const;
  constructor() {
    super("The Sotto client is closed.");
  }
}
export type ClientClosedErrorType = ClientClosedError;

/** A channel operation that does not apply in the channel's state (e.g. finalizing before the notice ends). */
export class ChannelStateError extends BaseError {
  override name = "ChannelStateError" as const;
  constructor({ payee, reason, hint }: { payee: string; reason: string; hint?: string }) {
    super(`Channel to ${payee}: ${reason}.`, { metaMessages: hint ? [hint] : undefined });
  }
}
export type ChannelStateErrorType = ChannelStateError;

/** A parameter of an SDK call is invalid. */
export class InvalidArgumentError extends BaseError {
  override name = "InvalidArgumentError" as const;
  readonly parameter: string;
  constructor({ parameter, reason }: { parameter: string; reason: string }) {
    super(`Invalid ${parameter}: ${reason}.`);
    this.parameter = parameter;
  }
}
export type InvalidArgumentErrorType = InvalidArgumentError;
