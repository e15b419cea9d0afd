// Foundation demo (temporary main job until the end-to-end demo exists): on an in-process chain, deploy Sotto
// with Ignition, stake and register two relays (with their node keys' consent), open a payment channel, sign a
// conditional ticket with viem and redeem it. Prints each step; exits non-zero on any failure.
//
//   npm run demo        (= hardhat build --quiet && node scripts/foundation-demo.ts)
import { generateKeyPair } from "@libp2p/crypto/keys";
import { peerIdFromPrivateKey } from "@libp2p/peer-id";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { network } from "hardhat";
import { bytesToHex, formatUnits, getAddress, keccak256, maxUint256, parseEther, toHex, type Address, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";
import SottoLocalModule from "../ignition/modules/SottoLocal.ts";
import {
  channelIdOf,
  challengeOf,
  hashTicket,
  signRelayBinding,
  signTicket,
  registryDomain,
  ticketDomain,
} from "../contracts/test/helpers/eip712.ts";
import { typedSotto, walletClients } from "../contracts/test/helpers/contracts.ts";

const MIN_STAKE = parseEther("100");
const UNIT = 18;

function step(title: string, details: Record<string, unknown> = {}): void {
  console.log(`\n✔ ${title}`);
  for (const [key, value] of Object.entries(details)) {
    const text = typeof value === "bigint" ? value.toString() : Array.isArray(value) ? value.join(", ") : String(value);
    console.log(`    ${key.padEnd(16)} ${text}`);
  }
}

function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`check failed: ${message}`);
}

const tokens = (amount: bigint) => `${formatUnits(amount, UNIT)} SOTTO`;

async function main(): Promise<void> {
  const { viem, ignition, networkHelpers } = await network.create();
  const publicClient = await viem.getPublicClient();
  const chainId = await publicClient.getChainId();
  const [operatorWallet, senderWallet] = await walletClients(viem, [0, 1]);
  const operator = getAddress(operatorWallet.account.address);
  const sender = getAddress(senderWallet.account.address);

  // 1. Deploy.
  const { token, registry, channels } = typedSotto(
    await ignition.deploy(SottoLocalModule, {
      parameters: { SottoLocal: { minimumStake: MIN_STAKE, unbondingDelay: 7n * 24n * 3600n, closeNoticePeriod: 24n * 3600n } },
    }),
  );
  step("Deployed with Ignition (module SottoLocal)", {
    chainId,
    SottoTestToken: token.address,
    RelayRegistry: registry.address,
    PaymentChannels: channels.address,
    minimumStake: tokens(await registry.read.minimumStake()),
    unbondingDelay: `${await registry.read.unbondingDelay()} s`,
    noticePeriod: `${await channels.read.noticePeriod()} s`,
  });

  await token.write.mint([operator, parseEther("1000")]);
  await token.write.mint([sender, parseEther("50")]);
  await token.write.approve([registry.address, maxUint256], { account: operatorWallet.account });
  await token.write.approve([channels.address, maxUint256], { account: senderWallet.account });

  // 2. Two relays: a hot node key, a Sphinx onion key, a libp2p identity; the cold operator stakes.
  const relays: { name: string; node: PrivateKeyAccount; fee: bigint }[] = [];
  for (const [index, name] of ["relay-a", "relay-b"].entries()) {
    const node = privateKeyToAccount(generatePrivateKey());
    await networkHelpers.setBalance(node.address, parseEther("1")); // gas for redemptions
    const onionKey = bytesToHex(secp256k1.getPublicKey(secp256k1.utils.randomSecretKey(), true));
    const peerId = peerIdFromPrivateKey(await generateKeyPair("Ed25519"));
    const fee = parseEther("0.001") * BigInt(index + 1);
    const relay = {
      node: node.address,
      onionKey,
      peerId: bytesToHex(peerId.toMultihash().bytes),
      multiaddrs: [`/ip4/127.0.0.1/tcp/${4001 + index}`, `/ip4/127.0.0.1/tcp/${5001 + index}/ws`],
      fee,
    };
    const nonce = await registry.read.nonces([node.address]);
    const deadline = BigInt(await networkHelpers.time.latest()) + 3600n;
    const signature = await signRelayBinding(node, registryDomain(chainId, registry.address), {
      operator,
      ...relay,
      nonce,
      deadline,
    });
    const hash = await registry.write.register([relay, MIN_STAKE, deadline, signature], { account: operatorWallet.account });
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    check(receipt.status === "success", `${name} registration`);
    relays.push({ name, node, fee });
    step(`Registered ${name} (node signed its RelayBinding, operator staked)`, {
      node: node.address,
      operator,
      peerId: peerId.toString(),
      onionKey,
      multiaddrs: relay.multiaddrs,
      fee: `${tokens(fee)} per packet`,
      stake: tokens(MIN_STAKE),
      gasUsed: receipt.gasUsed,
    });
  }

  // 3. The directory, as a wallet reads it.
  const directory = await registry.read.getRelays([0n, 100n]);
  check(directory.length === 2 && directory.every((r) => r.active), "two active relays in the directory");
  step("Read the directory with getRelays(0, 100)", {
    relays: directory.map((r) => `${r.node} active=${r.active} stake=${tokens(r.stake)} fee=${tokens(r.fee)}`),
  });

  // 4. The sender opens a channel to relay A.
  const entry = relays[0]!;
  const deposit = parseEther("10");
  const fundHash = await channels.write.fund([entry.node.address, deposit], { account: senderWallet.account });
  await publicClient.waitForTransactionReceipt({ hash: fundHash });
  const opened = await channels.read.getChannel([sender, entry.node.address]);
  const channelId = await channels.read.channelId([sender, entry.node.address]);
  check(channelId === channelIdOf(sender, entry.node.address), "channel id = keccak256(abi.encode(payer, payee))");
  check(opened.balance === deposit && opened.status === 1, "channel open with the deposit");
  step(`Opened a channel sender → ${entry.name}`, {
    channelId,
    payer: sender,
    payee: entry.node.address,
    balance: tokens(opened.balance),
    epoch: opened.epoch,
  });

  // 5. The sender pays for 25 packets with one conditional ticket; the relay learns the response (the next
  //    hop's ack secret) and redeems.
  const packets = 25n;
  const response: Hex = keccak256(toHex("ack secret of the next hop"));
  const ticket = {
    channelId,
    epoch: opened.epoch,
    cumulative: entry.fee * packets,
    index: packets - 1n,
    challenge: challengeOf(response),
  };
  const domain = ticketDomain(chainId, channels.address);
  const digest = hashTicket(domain, ticket);
  const onChainDigest = await channels.read.hashTicket([ticket.channelId, ticket.epoch, ticket.cumulative, ticket.index, ticket.challenge]);
  check(digest === onChainDigest, "viem hashTypedData = PaymentChannels.hashTicket");
  const signature = await signTicket(senderWallet, domain, ticket);
  step("Signed a conditional ticket with viem (EIP-712)", {
    cumulative: `${tokens(ticket.cumulative)} (${packets} packets × ${tokens(entry.fee)})`,
    challenge: ticket.challenge,
    digest,
    onChainDigest: `${onChainDigest} (equal)`,
    signature,
  });

  const before = await token.read.balanceOf([entry.node.address]);
  const redemption = {
    payer: sender as Address,
    payee: entry.node.address,
    epoch: ticket.epoch,
    cumulative: ticket.cumulative,
    index: ticket.index,
    challenge: ticket.challenge,
    response,
    signature,
  };
  const redeemHash = await channels.write.redeemMany([[redemption]], { account: entry.node });
  const redeemReceipt = await publicClient.waitForTransactionReceipt({ hash: redeemHash });
  const after = await token.read.balanceOf([entry.node.address]);
  const settled = await channels.read.getChannel([sender, entry.node.address]);
  check(redeemReceipt.status === "success", "redemption succeeded");
  check(after - before === ticket.cumulative, "the relay was paid cumulative − settled");
  check(settled.settled === ticket.cumulative && settled.balance === deposit - ticket.cumulative, "channel settled");
  step(`${entry.name} redeemed the ticket with redeemMany (node key pays the gas)`, {
    paid: tokens(after - before),
    relayBalance: tokens(after),
    channelBalance: tokens(settled.balance),
    settled: tokens(settled.settled),
    gasUsed: redeemReceipt.gasUsed,
  });

  // 6. A replay pays nothing.
  const replay = await channels.simulate.redeemMany([[redemption]], { account: entry.node });
  check(replay.result[0] === 0n, "a replayed ticket pays nothing");
  step("Replaying the same ticket is skipped (StaleTicket): pays 0");

  console.log(`\nFoundation demo complete: ${getAddress(registry.address)} lists ${directory.length} relays; 1 ticket redeemed.`);
}

try {
  await main();
} catch (error) {
  console.error("\n✖ foundation demo failed:", error instanceof Error ? error.message : error);
  process.exitCode = 1;
}
