/**
 * The public API, by export name (viem's index.test.ts pattern): an accidental addition, rename or removal
 * fails here. Update the list deliberately, together with docs/client.md.
 */
import { describe, expect, it } from "vitest";

describe("public API", () => {
  it("client/src/index.ts exports exactly these names", async () => {
    const names = Object.keys(await import("./index.ts")).sort();
    expect(names).toEqual([
      "AddressExpiredError",
      "BaseError",
      "ChannelStateError",
      "ClientClosedError",
      "DeliveryFailedError",
      "HostRequiredError",
      "IdentityRequiredError",
      "InsufficientChannelFundsError",
      "InvalidArgumentError",
      "InvalidRecipientError",
      "NoAddressError",
      "NoChannelError",
      "NoRouteError",
      "RelayNotFoundError",
      "RelayUnreachableError",
      "TicketSigningError",
      "WalletRequiredError",
      "closeChannel",
      "createAddress",
      "createMemoryStorage",
      "createSottoClient",
      "finalizeClose",
      "findRelayChain",
      "fundChannel",
      "getAddresses",
      "getChannel",
      "getChannels",
      "getInbox",
      "getRelays",
      "listen",
      "onMessage",
      "reply",
      "selectRoute",
      "sendMessage",
      "splitForRoute",
      "stopListening",
    ]);
  });
});
