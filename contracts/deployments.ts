// Deployed Sotto contract addresses per chain, read from Hardhat Ignition's deployment directories
// (ignition/deployments/<deploymentId>/deployed_addresses.json; the default deployment id is `chain-<chainId>`).
import { readFile } from "node:fs/promises";
import path from "node:path";
import { getAddress, isAddress, type Address } from "viem";

/** The addresses of one Sotto deployment. */
export type SottoDeployment = {
  chainId: number;
  deploymentId: string;
  /** The deployment directory the addresses were read from. */
  deploymentDir: string;
  relayRegistry: Address;
  paymentChannels: Address;
  /** The test token, when the deployment includes it (module `SottoLocal`); otherwise read `token()`. */
  testToken: Address | undefined;
  /** Every future of the deployment, by Ignition future id (e.g. `SottoLocal#RelayRegistry`). */
  futures: Readonly<Record<string, Address>>;
};

export type ReadDeploymentOptions = {
  /** Directory holding the deployment directories. Default: `ignition/deployments` of this repository. */
  deploymentsDir?: string;
  /** Ignition deployment id. Default: `chain-<chainId>`. */
  deploymentId?: string;
};

/** No deployment (or not a complete one) for this chain. */
export class DeploymentNotFoundError extends Error {
  override readonly name = "DeploymentNotFoundError";
  readonly chainId: number;
  readonly deploymentDir: string;

  constructor(chainId: number, deploymentDir: string, details: string, options?: { cause?: unknown }) {
    super(`no Sotto deployment for chain ${chainId} in ${deploymentDir}: ${details}`, options);
    this.chainId = chainId;
    this.deploymentDir = deploymentDir;
  }
}

export const DEFAULT_DEPLOYMENTS_DIR = path.resolve(import.meta.dirname, "..", "ignition", "deployments");

/**
 * Reads the addresses of the Sotto deployment of `chainId`.
 *
 * @throws {DeploymentNotFoundError} when the directory or its `deployed_addresses.json` is missing, malformed, or
 * lacks RelayRegistry or PaymentChannels.
 *
 * @example
 * const { relayRegistry, paymentChannels } = await readDeployment(31337);
 */
export async function readDeployment(chainId: number, options: ReadDeploymentOptions = {}): Promise<SottoDeployment> {
  const deploymentId = options.deploymentId ?? `chain-${chainId}`;
  const deploymentDir = path.join(options.deploymentsDir ?? DEFAULT_DEPLOYMENTS_DIR, deploymentId);
  const file = path.join(deploymentDir, "deployed_addresses.json");

  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (cause) {
    throw new DeploymentNotFoundError(chainId, deploymentDir, "deployed_addresses.json is missing (deploy with Ignition first)", {
      cause,
    });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new DeploymentNotFoundError(chainId, deploymentDir, "deployed_addresses.json is not valid JSON", { cause });
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new DeploymentNotFoundError(chainId, deploymentDir, "deployed_addresses.json is not an object");
  }
  const futures: Record<string, Address> = {};
  for (const [id, value] of Object.entries(parsed)) {
    if (typeof value !== "string" || !isAddress(value, { strict: false })) {
      throw new DeploymentNotFoundError(chainId, deploymentDir, `${id} is not an address: ${String(value)}`);
    }
    futures[id] = getAddress(value);
  }

  const find = (contractName: string, required: boolean): Address | undefined => {
    const matches = Object.keys(futures).filter((id) => id.endsWith(`#${contractName}`));
    if (matches.length > 1) {
      throw new DeploymentNotFoundError(chainId, deploymentDir, `several ${contractName} futures: ${matches.join(", ")}`);
    }
    const [match] = matches;
    if (match === undefined) {
      if (required) throw new DeploymentNotFoundError(chainId, deploymentDir, `no ${contractName} in deployed_addresses.json`);
      return undefined;
    }
    return futures[match];
  };

  return {
    chainId,
    deploymentId,
    deploymentDir,
    relayRegistry: find("RelayRegistry", true)!,
    paymentChannels: find("PaymentChannels", true)!,
    testToken: find("SottoTestToken", false),
    futures,
  };
}
