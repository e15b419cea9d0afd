// Typed contract instances for tests, scripts and benchmarks, typed by the committed generated ABIs
// (contracts/generated) rather than by Hardhat's artifact declarations, which exist only after a build and live
// outside the type-checked tree.
import type { GetContractReturnType, HardhatViemHelpers } from "@nomicfoundation/hardhat-viem/types";
import type { Address } from "viem";
import { paymentChannelsAbi, relayRegistryAbi, sottoTestTokenAbi } from "../../generated/index.ts";

export type RelayRegistryContract = GetContractReturnType<typeof relayRegistryAbi>;
export type PaymentChannelsContract = GetContractReturnType<typeof paymentChannelsAbi>;
export type SottoTestTokenContract = GetContractReturnType<typeof sottoTestTokenAbi>;

export type SottoContracts = {
  token: SottoTestTokenContract;
  registry: RelayRegistryContract;
  channels: PaymentChannelsContract;
};

type Viem = Pick<HardhatViemHelpers, "deployContract" | "getWalletClients">;

export async function deployToken(viem: Viem): Promise<SottoTestTokenContract> {
  return (await viem.deployContract("SottoTestToken")) as unknown as SottoTestTokenContract;
}

export async function deployRegistry(
  viem: Viem,
  args: readonly [token: Address, minimumStake: bigint, unbondingDelay: bigint],
): Promise<RelayRegistryContract> {
  return (await viem.deployContract("RelayRegistry", [...args])) as unknown as RelayRegistryContract;
}

export async function deployChannels(
  viem: Viem,
  args: readonly [token: Address, noticePeriod: bigint],
): Promise<PaymentChannelsContract> {
  return (await viem.deployContract("PaymentChannels", [...args])) as unknown as PaymentChannelsContract;
}

/** Types the contracts returned by `ignition.deploy(SottoLocalModule)`. */
export function typedSotto(deployed: { token: unknown; registry: unknown; channels: unknown }): SottoContracts {
  return deployed as SottoContracts;
}

/** The in-process chain's wallet clients `indexes` (throws if one is missing). */
export async function walletClients<const N extends readonly number[]>(
  viem: Viem,
  indexes: N,
): Promise<{ [K in keyof N]: Awaited<ReturnType<Viem["getWalletClients"]>>[number] }> {
  const wallets = await viem.getWalletClients();
  return indexes.map((index) => {
    const wallet = wallets[index];
    if (wallet === undefined) throw new Error(`no wallet client #${index}`);
    return wallet;
  }) as { [K in keyof N]: Awaited<ReturnType<Viem["getWalletClients"]>>[number] };
}
