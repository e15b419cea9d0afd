import { parseSignature, type Address, type Hex, type PublicClient } from "viem";
import { sottoTestTokenAbi } from "../generated/index.ts";
import type { SottoWalletClient } from "./sendTransaction.ts";

/** ERC-2612's typed data: `Permit(owner, spender, value, nonce, deadline)`. */
export const permitTypes = {
  Permit: [
    { name: "owner", type: "address" },
    { name: "spender", type: "address" },
    { name: "value", type: "uint256" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
} as const;

export interface SignPermitParameters {
  token: Address;
  spender: Address;
  value: bigint;
  /** Unix seconds after which the permit is refused. */
  deadline: bigint;
}

/**
 * Signs an ERC-2612 permit from the wallet's account under the token's own EIP-712 domain (read with
 * ERC-5267 `eip712Domain`, so name, version and chain come from the token, not from assumptions).
 *
 * @example
 * const { v, r, s } = await signPermit(publicClient, wallet, { token, spender: contracts.channels, value: 100n, deadline });
 */
export async function signPermit(publicClient: PublicClient, wallet: SottoWalletClient, p: SignPermitParameters): Promise<{ v: number; r: Hex; s: Hex }> {
  const owner = wallet.account.address;
  const [domain, nonce] = await Promise.all([
    publicClient.readContract({ address: p.token, abi: sottoTestTokenAbi, functionName: "eip712Domain" }),
    publicClient.readContract({ address: p.token, abi: sottoTestTokenAbi, functionName: "nonces", args: [owner] }),
  ]);
  const [, name, version, chainId, verifyingContract] = domain;
  const signature = await wallet.signTypedData({
    account: wallet.account,
    domain: { name, version, chainId: Number(chainId), verifyingContract },
    types: permitTypes,
    primaryType: "Permit",
    message: { owner, spender: p.spender, value: p.value, nonce, deadline: p.deadline },
  });
  const { r, s, v, yParity } = parseSignature(signature);
  return { r, s, v: Number(v ?? BigInt(27 + (yParity ?? 0))) };
}
