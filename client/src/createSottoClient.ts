import type { Libp2p } from "libp2p";
import type { Address, Hex, PublicClient } from "viem";
import type { SottoWalletClient } from "#contracts";
import { answersVoucher, equalBytes, fromHex, portableBackend, toHex, type CryptoBackend, type PaidBlindedPath } from "#protocol";
import { closeChannel, type CloseChannelParameters, type CloseChannelReturnType } from "./actions/closeChannel.ts";
import { createAddress, type CreateAddressParameters, type CreateAddressReturnType } from "./actions/createAddress.ts";
import { finalizeClose, type FinalizeCloseParameters, type FinalizeCloseReturnType } from "./actions/finalizeClose.ts";
import { fundChannel, type FundChannelParameters, type FundChannelReturnType } from "./actions/fundChannel.ts";
import { getAddresses, type GetAddressesParameters, type GetAddressesReturnType } from "./actions/getAddresses.ts";
import { getChannel, type GetChannelParameters, type GetChannelReturnType } from "./actions/getChannel.ts";
import { getChannels, type GetChannelsParameters, type GetChannelsReturnType } from "./actions/getChannels.ts";
import { getInbox, type GetInboxParameters, type GetInboxReturnType } from "./actions/getInbox.ts";
import { getRelays, type GetRelaysParameters, type GetRelaysReturnType } from "./actions/getRelays.ts";
import { listen, stopListening, type ListenReturnType } from "./actions/listen.ts";
import { onMessage, type OnMessageReturnType } from "./actions/onMessage.ts";
import { reply, type ReplyParameters, type ReplyReturnType } from "./actions/reply.ts";
import { selectRoute, type SelectRouteParameters, type SelectRouteReturnType } from "./actions/selectRoute.ts";
import { sendMessage, type SendMessageParameters, type SendMessageReturnType } from "./actions/sendMessage.ts";
import { InvalidArgumentError } from "./errors.ts";
import { ChannelBook } from "./internal/channelBook.ts";
import { Directory } from "./internal/directory.ts";
import { Inflight } from "./internal/inflight.ts";
import { ClientNetwork } from "./internal/network.ts";
import { Receiver } from "./internal/receiver.ts";
import { RelayHealth } from "./internal/relayHealth.ts";
import { getState, setState, type ClientState } from "./internal/state.ts";
import { cryptoRandom, hex, silentLogger } from "./internal/utils.ts";
import { VoucherAnswers, scheduleVoucher, sendFinalVouchers } from "./internal/vouchers.ts";
import { createMemoryStorage } from "./storage/createMemoryStorage.ts";
import type { ClientLogger, ClientStorage, MessageHandler } from "./types.ts";

export type CreateSottoClientParameters = {
  /** viem public client of the chain the contracts live on. */
  publicClient: PublicClient;
  /** viem wallet client with an account: pays for channels and signs tickets (its key stays with the caller). */
  wallet?: SottoWalletClient | undefined;
  /** The deployment. `token` is read from PaymentChannels when omitted. */
  contracts: { token?: Address | undefined; registry: Address; channels: Address };
  /** 32-byte secp256k1 key for receiving: its public key is the node id at the end of this client's blinded paths. */
  identityKey?: Uint8Array | Hex | undefined;
  /** Crypto back-end. Default: native (libsecp256k1) in Node, portable (@noble) elsewhere. */
  backend?: CryptoBackend | undefined;
  /** libp2p node for relay links. Default in Node: a dial-only TCP host (`createHost({ listen: [] })` from #net). */
  host?: Libp2p | undefined;
  /** Persistence for the payer ledgers and issued addresses. Default: in memory. */
  storage?: ClientStorage | undefined;
  logger?: Partial<ClientLogger> | undefined;
  /** Default: `publicClient.chain.id`, else read from the RPC. */
  chainId?: number | undefined;
  /** Before a send the entry channel cannot pay: top it up (true: by what is missing; a bigint: by at least that). Default false. */
  autoTopUp?: boolean | bigint | undefined;
  /** How long the relay directory is cached. Default 60 s. */
  directoryTtlMs?: number | undefined;
  /** Refresh the directory on RelayRegistry events (log polling). Default true. */
  watchDirectory?: boolean | undefined;
  /** How long the entry relay has to ACK a packet. Default 10 s. */
  ackTimeoutMs?: number | undefined;
  /** How long to wait for a fragment's delivery receipt before sending it again. Default 30 s. */
  receiptTimeoutMs?: number | undefined;
  /** Packets per fragment at most (first try + retries). Default 3. */
  maxAttempts?: number | undefined;
  /** Relays per route, blinded ones included. Default 3. */
  routeLength?: number | undefined;
  /** Advisory lifetime of new addresses. Default 7 days. */
  addressTtlSeconds?: number | undefined;
  /** Fragments of one message in flight at once. Default 4. */
  concurrency?: number | undefined;
  /** Uniform [0, 1) source for route selection. Default: WebCrypto. */
  random?: (() => number) | undefined;
};

/** A Sotto client: configuration plus every action bound to it (viem's decorator pattern). */
export type SottoClient = {
  readonly publicClient: PublicClient;
  readonly wallet: SottoWalletClient | undefined;
  readonly contracts: { readonly token: Address | undefined; readonly registry: Address; readonly channels: Address };
  readonly chainId: number;
  readonly backend: CryptoBackend;
  readonly storage: ClientStorage;
  /** The wallet's address (the payer of this client's channels). */
  readonly account: Address | undefined;
  /** The identity's public key (33 bytes, hex): the node id at the end of this client's addresses. */
  readonly nodeId: Hex | undefined;
  getRelays(parameters?: GetRelaysParameters): Promise<GetRelaysReturnType>;
  selectRoute(parameters: SelectRouteParameters): Promise<SelectRouteReturnType>;
  getChannels(parameters?: GetChannelsParameters): Promise<GetChannelsReturnType>;
  getChannel(parameters: GetChannelParameters): Promise<GetChannelReturnType>;
  fundChannel(parameters: FundChannelParameters): Promise<FundChannelReturnType>;
  closeChannel(parameters: CloseChannelParameters): Promise<CloseChannelReturnType>;
  finalizeClose(parameters: FinalizeCloseParameters): Promise<FinalizeCloseReturnType>;
  send(to: string | PaidBlindedPath, message: Uint8Array | string, options?: Omit<SendMessageParameters, "to" | "message">): Promise<SendMessageReturnType>;
  reply(parameters: ReplyParameters): Promise<ReplyReturnType>;
  address(parameters?: CreateAddressParameters): Promise<CreateAddressReturnType>;
  getAddresses(parameters?: GetAddressesParameters): Promise<GetAddressesReturnType>;
  listen(): Promise<ListenReturnType>;
  stopListening(): void;
  onMessage(handler: MessageHandler): OnMessageReturnType;
  inbox(parameters?: GetInboxParameters): Promise<GetInboxReturnType>;
  /** Stops listening, closes relay links (and the host if the client created it), stops watching the chain. */
  close(): Promise<void>;
};

const isNode = () => typeof process !== "undefined" && typeof process.versions?.node === "string";

/** Node-only defaults, loaded by a computed specifier so browser bundles never include them. */
async function nodeDefaults(): Promise<typeof import("./nodeDefaults.ts")> {
  const specifier = ["./nodeDefaults", "ts"].join(".");
  return (await import(/* @vite-ignore */ specifier)) as typeof import("./nodeDefaults.ts");
}

/**
 * Creates a Sotto client: relay directory, routes, channels and tickets, sending with receipts,
 * addresses, receiving, replies and the mailbox. Works in Node and (with `backend`/`host` given, or the
 * portable defaults) in browsers; keys stay with the caller (the wallet signs tickets).
 *
 * @param parameters - {@link CreateSottoClientParameters}
 * @returns A {@link SottoClient}.
 *
 * @example
 * const client = await createSottoClient({ publicClient, wallet, contracts: { registry, channels }, identityKey });
 * await client.fundChannel({ relay, amount: 1_000n });
 * const { receipts } = await client.send("sotto1…", "hello");
 */
export async function createSottoClient(parameters: CreateSottoClientParameters): Promise<SottoClient> {
  const { publicClient, wallet } = parameters;
  if (!publicClient) throw new InvalidArgumentError({ parameter: "publicClient", reason: "a viem public client is required" });
  if (!parameters.contracts?.registry || !parameters.contracts?.channels) throw new InvalidArgumentError({ parameter: "contracts", reason: "registry and channels addresses are required" });
  if (wallet && !wallet.account) throw new InvalidArgumentError({ parameter: "wallet", reason: "the wallet client needs an account" });
  const backend = parameters.backend ?? (isNode() ? (await nodeDefaults()).defaultBackend() : portableBackend);
  const chainId = parameters.chainId ?? publicClient.chain?.id ?? (await publicClient.getChainId());
  const logger: ClientLogger = { ...silentLogger, ...parameters.logger };
  const storage = parameters.storage ?? createMemoryStorage();
  const contracts = { token: parameters.contracts.token, registry: parameters.contracts.registry, channels: parameters.contracts.channels };
  const storagePrefix = `sotto:v1:${chainId}:${contracts.channels.toLowerCase()}:`;
  let identityKey: Uint8Array | undefined;
  if (parameters.identityKey !== undefined) {
    // A plain Uint8Array copy: a Node Buffer's slice() is a view, and the native back-end tweaks a slice() of
    // the key in place (protocol/src/crypto/nativeBackend.ts privateKeyMul), which would corrupt a Buffer key.
    identityKey = typeof parameters.identityKey === "string" ? fromHex(parameters.identityKey, 32, "identityKey") : new Uint8Array(parameters.identityKey);
    if (identityKey.length !== 32) throw new InvalidArgumentError({ parameter: "identityKey", reason: "must be 32 bytes" });
    if (!backend.isValidPrivateKey(identityKey)) throw new InvalidArgumentError({ parameter: "identityKey", reason: "not a valid secp256k1 private key" });
  }
  const autoTopUp = parameters.autoTopUp === undefined || parameters.autoTopUp === false ? false : parameters.autoTopUp === true ? 0n : parameters.autoTopUp;

  const directory = new Directory({ publicClient, registry: contracts.registry, channels: contracts.channels, ttlMs: parameters.directoryTtlMs ?? 60_000, logger });
  // Filled in below: the network's frame handler needs the state, the state needs the network.
  let state!: ClientState;
  let client!: SottoClient;
  const network = new ClientNetwork({
    host: parameters.host,
    createHost: isNode() ? async () => (await nodeDefaults()).defaultHost() : undefined,
    onFrame: (frame, link) => {
      const { backend: b, inflight, book, receiver } = state;
      switch (frame.type) {
        case "ack":
          inflight.onAck(b.keccak256(frame.ackSecret));
          return;
        case "reveal": {
          if (answersVoucher(frame)) {
            state.voucherAnswers.answer(link.peer, "stored");
            return;
          }
          const challenge = b.keccak256(frame.response);
          inflight.onReveal(challenge);
          if (!book) return;
          const recorded = book
            .confirm(toHex(challenge, true))
            .then((confirmed) => confirmed && scheduleVoucher(state, wallet, confirmed.payee))
            .catch((error: unknown) => logger.warn("could not record a reveal", {}, error))
            .finally(() => state.pending.delete(recorded));
          state.pending.add(recorded);
          return;
        }
        case "receipt": {
          const outcome = inflight.onReceipt(b.keccak256(frame.ackSecret), frame.recipientAckSecret, (w) => equalBytes(b.keccak256(frame.recipientAckSecret), w.receiptChallenge));
          if (outcome === "bad") logger.warn("receipt whose recipient ack does not match the packet's receipt challenge ignored", { peer: link.peer });
          return;
        }
        case "nack":
          if (answersVoucher(frame)) {
            if (!state.voucherAnswers.answer(link.peer, "refused")) logger.warn("a relay refused a voucher", { peer: link.peer, reason: frame.reason });
            return;
          }
          inflight.onNack(frame.challenge, frame.reason);
          return;
        case "packet":
          receiver?.onPacket(frame, link);
          return;
        case "drained":
          receiver?.onDrained(frame.delivered, link);
          return;
        default:
          logger.debug("unexpected frame from a relay ignored", { type: frame.type, peer: link.peer });
      }
    },
    onLinkClose: (link) => {
      state.receiver?.onLinkClose(link);
      // A relay we sent packets through went away: their senders retry now, not at the receipt timeout.
      if (!network.hasLink(link.peer)) state.inflight.onEntryGone(link.peer);
    },
    logger,
  });
  const book = wallet ? new ChannelBook({ storage, prefix: storagePrefix, publicClient, channels: contracts.channels, payer: wallet.account.address, logger }) : undefined;
  const receiver = identityKey
    ? new Receiver({
        backend,
        identityKey,
        storage,
        prefix: storagePrefix,
        directory,
        network,
        logger,
        chainId,
        reply: (path, message, options) => sendMessage(client, { ...options, to: path, message, allowExpired: true }),
      })
    : undefined;
  state = {
    backend,
    chainId,
    contracts,
    ticketDomain: { chainId, verifyingContract: contracts.channels },
    storage,
    storagePrefix,
    logger,
    options: {
      ackTimeoutMs: parameters.ackTimeoutMs ?? 10_000,
      receiptTimeoutMs: parameters.receiptTimeoutMs ?? 30_000,
      maxAttempts: parameters.maxAttempts ?? 3,
      routeLength: parameters.routeLength ?? 3,
      addressTtlSeconds: parameters.addressTtlSeconds ?? 7 * 86_400,
      autoTopUp,
      concurrency: Math.max(1, parameters.concurrency ?? 4),
      random: parameters.random ?? cryptoRandom,
    },
    directory,
    health: new RelayHealth(),
    network,
    inflight: new Inflight(),
    book,
    receiver,
    voucherTimers: new Map(),
    voucherAnswers: new VoucherAnswers(),
    pending: new Set(),
    closed: false,
  };
  if (parameters.watchDirectory ?? true) directory.watch(Math.max(1_000, publicClient.pollingInterval ?? 4_000));

  client = {
    publicClient,
    wallet,
    get contracts() {
      return { token: state.contracts.token, registry: state.contracts.registry, channels: state.contracts.channels };
    },
    chainId,
    backend,
    storage,
    account: wallet?.account.address,
    nodeId: receiver ? hex(receiver.nodeId) : undefined,
    getRelays: (p) => getRelays(client, p),
    selectRoute: (p) => selectRoute(client, p),
    getChannels: (p) => getChannels(client, p),
    getChannel: (p) => getChannel(client, p),
    fundChannel: (p) => fundChannel(client, p),
    closeChannel: (p) => closeChannel(client, p),
    finalizeClose: (p) => finalizeClose(client, p),
    send: (to, message, options) => sendMessage(client, { ...options, to, message }),
    reply: (p) => reply(client, p),
    address: (p) => createAddress(client, p),
    getAddresses: (p) => getAddresses(client, p),
    listen: () => listen(client),
    stopListening: () => stopListening(client),
    onMessage: (handler) => onMessage(client, handler),
    inbox: (p) => getInbox(client, p),
    close: async () => {
      let s: ClientState;
      try {
        s = getState(client);
      } catch {
        return;
      }
      // Reveals being recorded finish, and vouchers still due go out, so the relays can redeem everything
      // they were confirmed and the ledger on disk is complete.
      await Promise.all([...s.pending]);
      // Every channel is checked, not only those with a voucher timer running, and a final voucher goes out
      // for anything confirmed and unsettled even if one was sent before (an earlier one may have been lost
      // with a relay that crashed). Each waits for the relay's answer, before which come any reveals the
      // relay lost and sends again (see sendFinalVouchers).
      const due = new Set(s.voucherTimers.keys());
      for (const timer of s.voucherTimers.values()) clearTimeout(timer);
      s.voucherTimers.clear();
      if (s.book) for (const payee of await s.book.payees().catch(() => [])) due.add(payee.toLowerCase());
      if (wallet) await Promise.all([...due].map((payee) => sendFinalVouchers(s, wallet, payee as Address).catch(() => "unanswered")));
      s.closed = true;
      s.receiver?.close();
      s.directory.stop();
      await s.network.stop();
    },
  };
  setState(client, state);
  return client;
}
