// ERC-2612 permits signed with viem, for the `...WithPermit` functions.
import { isLocalAccount, signerAddress } from "./eip712.ts";
import { parseSignature, type Address, type Hex, type LocalAccount, type WalletClient } from "viem";
import { permitTypes } from "../../actions/signPermit.ts";

export type PermitArgs = {
  /** A local account, or a wallet client whose account signs over RPC. */
  owner: WalletClient | LocalAccount;
  token: { address: Address; read: { name: () => Promise<string>; nonces: (args: readonly [Address]) => Promise<bigint> } };
  spender: Address;
  value: bigint;
  deadline: bigint;
  chainId: number;
};

/** Signs a permit and returns its `v`, `r`, `s`. */
export async function signPermit(a: PermitArgs): Promise<{ v: number; r: Hex; s: Hex }> {
  const owner = a.owner;
  const address = signerAddress(owner);
  const typedData = {
    domain: { name: await a.token.read.name(), version: "1", chainId: a.chainId, verifyingContract: a.token.address },
    types: permitTypes,
    primaryType: "Permit",
    message: {
      owner: address,
      spender: a.spender,
      value: a.value,
      nonce: await a.token.read.nonces([address]),
      deadline: a.deadline,
    },
  } as const;
  const signature = isLocalAccount(owner)
    ? await owner.signTypedData(typedData)
    : await owner.signTypedData({ account: owner.account!, ...typedData });
  const { r, s, v, yParity } = parseSignature(signature);
  return { r, s, v: v === undefined ? 27 + yParity : Number(v) };
}
