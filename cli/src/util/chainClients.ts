import { createPublicClient, createWalletClient, defineChain, http, type Chain, type Hex, type PublicClient } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import type { SottoWalletClient } from "#contracts";
import { UserError } from "../errors.ts";

/** viem clients for a JSON-RPC URL, checking that it serves the expected chain. */
export async function connectChain(rpcUrl: string, chainId: number): Promise<{ chain: Chain; publicClient: PublicClient; wallet: (key: Hex) => SottoWalletClient }> {
  const chain = defineChain({ id: chainId, name: `chain-${chainId}`, nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 }, rpcUrls: { default: { http: [rpcUrl] } } });
  const transport = http(rpcUrl, { retryCount: 1 });
  const publicClient = createPublicClient({ chain, transport, pollingInterval: 250 }) as PublicClient;
  let actual: number;
  try {
    actual = await publicClient.getChainId();
  } catch (error) {
    throw new UserError(`cannot reach the chain at ${rpcUrl} (${(error as Error).message.split("\n")[0]}); is the node running and the URL right?`);
  }
  if (actual !== chainId) throw new UserError(`${rpcUrl} serves chain ${actual}, expected ${chainId}; check the RPC URL and chain id`);
  return { chain, publicClient, wallet: (key) => createWalletClient({ account: privateKeyToAccount(key), chain, transport }) as SottoWalletClient };
}
