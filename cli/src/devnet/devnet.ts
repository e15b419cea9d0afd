import { createPublicClient, createWalletClient, defineChain, http, parseEther, type Address, type Chain, type Hex, type PublicClient } from "viem";
import { mnemonicToAccount, privateKeyToAccount } from "viem/accounts";
import type { SottoContracts, SottoWalletClient } from "#contracts";
import { sottoTestTokenAbi } from "#contracts/generated";
import { EmbeddedChainServer, type Eip1193Provider } from "./embeddedChain.ts";
import { freePort } from "./freePort.ts";

/** Hardhat's well-known development mnemonic: its accounts are pre-funded on the embedded chain. */
const DEV_MNEMONIC = "test test test test test test test test test test test junk";

export interface DevnetOptions {
  /** JSON-RPC port (0 = any free port; default: a free port below the ephemeral range, see `freePort`). */
  port?: number;
  minimumStake?: bigint;
  unbondingDelay?: bigint;
  closeNoticePeriod?: bigint;
}

export interface Devnet {
  url: string;
  chainId: number;
  chain: Chain;
  contracts: SottoContracts;
  minimumStake: bigint;
  publicClient: PublicClient;
  /** Private key of pre-funded development account `index`. */
  accountKey(index: number): Hex;
  wallet(privateKey: Hex): SottoWalletClient;
  /** Gives `address` ETH for gas and mints it test tokens. */
  fund(address: Address, options: { eth?: bigint; tokens?: bigint }): Promise<void>;
  /** Advances the chain's clock. */
  increaseTime(seconds: number): Promise<void>;
  /** Takes the JSON-RPC endpoint away (the chain keeps its state). */
  pauseRpc(): Promise<void>;
  resumeRpc(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The embedded local chain: Hardhat's in-process EVM (EDR) with Sotto deployed by Hardhat Ignition (module
 * SottoLocal: test token, RelayRegistry, PaymentChannels), served over JSON-RPC on loopback so relay
 * processes follow it like any chain.
 */
export async function startDevnet(options: DevnetOptions = {}): Promise<Devnet> {
  const { network } = await import("hardhat");
  const { default: SottoLocalModule } = await import("../../../ignition/modules/SottoLocal.ts");
  const connection = await network.create();
  const provider = connection.provider as unknown as Eip1193Provider;
  const minimumStake = options.minimumStake ?? parseEther("100");
  // Ignition's result type does not survive the dynamic import; the module returns these three contracts.
  const deployed = (await connection.ignition.deploy(SottoLocalModule, {
    parameters: {
      SottoLocal: {
        minimumStake,
        unbondingDelay: options.unbondingDelay ?? 7n * 24n * 3600n,
        closeNoticePeriod: options.closeNoticePeriod ?? 24n * 3600n,
      },
    },
  })) as unknown as Record<"token" | "registry" | "channels", { address: string }>;
  const contracts: SottoContracts = {
    token: deployed.token.address as Address,
    registry: deployed.registry.address as Address,
    channels: deployed.channels.address as Address,
  };
  const server = new EmbeddedChainServer(provider, { port: options.port ?? (await freePort()) });
  const url = await server.start();
  const chainId = Number(await provider.request({ method: "eth_chainId" }));
  const chain = defineChain({ id: chainId, name: "sotto-devnet", nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 }, rpcUrls: { default: { http: [url] } } });
  const transport = http(url, { retryCount: 0 });
  const publicClient = createPublicClient({ chain, transport, pollingInterval: 100 }) as PublicClient;
  const accountKey = (index: number): Hex => {
    const account = mnemonicToAccount(DEV_MNEMONIC, { addressIndex: index });
    const key = account.getHdKey().privateKey;
    if (!key) throw new Error(`no private key for development account ${index}`);
    return `0x${Buffer.from(key).toString("hex")}`;
  };
  const wallet = (privateKey: Hex) => createWalletClient({ account: privateKeyToAccount(privateKey), chain, transport }) as SottoWalletClient;
  const minter = wallet(accountKey(0));

  return {
    url,
    chainId,
    chain,
    contracts,
    minimumStake,
    publicClient,
    accountKey,
    wallet,
    async fund(address, amounts) {
      if (amounts.eth) await provider.request({ method: "hardhat_setBalance", params: [address, `0x${amounts.eth.toString(16)}`] });
      if (amounts.tokens) {
        const hash = await minter.writeContract({ address: contracts.token, abi: sottoTestTokenAbi, functionName: "mint", args: [address, amounts.tokens] });
        await publicClient.waitForTransactionReceipt({ hash });
      }
    },
    async increaseTime(seconds) {
      await provider.request({ method: "evm_increaseTime", params: [seconds] });
      await provider.request({ method: "evm_mine", params: [] });
    },
    pauseRpc: () => server.pause(),
    resumeRpc: async () => {
      await server.resume();
    },
    async stop() {
      await server.stop();
      await connection.close();
    },
  };
}
