import { describe, expect, it } from "vitest";
import { BaseError as ProtocolBaseError } from "#protocol";
import * as errors from "./errors.ts";

describe("client errors", () => {
  it("InsufficientChannelFundsError says how much is missing and what to do", () => {
    const error = new errors.InsufficientChannelFundsError({ payee: "0xabc", needed: 30n, spendable: 12n });
    expect(error.missing).toBe(18n);
    expect(error.name).toBe("InsufficientChannelFundsError");
    expect(error.shortMessage).toBe("The channel to relay 0xabc is short by 18 (needs 30, can pay 12).");
    expect(error.message).toMatch(/sotto channel fund --relay 0xabc --amount 18/);
  });

  it("every error is a client BaseError, hence a protocol BaseError, with a literal name", () => {
    const samples: errors.BaseError[] = [
      new errors.InsufficientChannelFundsError({ payee: "0x1", needed: 2n, spendable: 1n }),
      new errors.NoChannelError({ payer: "0x1" }),
      new errors.NoRouteError({ reason: "r" }),
      new errors.InvalidRecipientError({ reason: "r" }),
      new errors.AddressExpiredError({ expiresAt: 1n }),
      new errors.DeliveryFailedError({ messageId: "0x1", fragment: 0, attempts: 3, reasons: ["a", "b"] }),
      new errors.WalletRequiredError({ operation: "Sending" }),
      new errors.IdentityRequiredError({ operation: "Listening" }),
      new errors.NoAddressError(),
      new errors.RelayNotFoundError({ relay: "0x1" }),
      new errors.TicketSigningError({}),
      new errors.RelayUnreachableError({ relay: "0x1" }),
      new errors.HostRequiredError(),
      new errors.ClientClosedError(),
      new errors.ChannelStateError({ payee: "0x1", reason: "r" }),
      new errors.InvalidArgumentError({ parameter: "p", reason: "r" }),
    ];
    for (const error of samples) {
      expect(error).toBeInstanceOf(errors.BaseError);
      expect(error).toBeInstanceOf(ProtocolBaseError);
      expect(error.name).toBe(error.constructor.name);
    }
    const classes = Object.entries(errors).filter(([name]) => name.endsWith("Error") && name !== "BaseError");
    expect(classes.length).toBe(samples.length);
  });

  it("walks the cause chain", () => {
    const root = new Error("socket hang up");
    const error = new errors.RelayUnreachableError({ relay: "0x1", cause: root });
    expect(error.shortMessage).toBe("Cannot reach relay 0x1: socket hang up.");
    expect(error.walk()).toBe(root);
  });
});
