import assert from "node:assert/strict";
import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { network } from "hardhat";
import { getAddress, parseEther } from "viem";
import { DeploymentNotFoundError, readDeployment } from "../deployments.ts";
import * as generated from "../generated/index.ts";
import SottoModule from "../../ignition/modules/Sotto.ts";
import SottoLocalModule from "../../ignition/modules/SottoLocal.ts";
import { SOTTO_DEFAULTS } from "../../ignition/modules/core.ts";
import { deployToken, typedSotto, type PaymentChannelsContract, type RelayRegistryContract } from "./helpers/contracts.ts";
import { GENERATED_CONTRACTS, renderGeneratedFiles, staleGeneratedFiles } from "../../scripts/generate-abis.ts";

const root = path.resolve(import.meta.dirname, "..", "..");
const { ignition, viem } = await network.create();

describe("Ignition modules", () => {
  it("SottoLocal deploys the test token, registry and channels with the defaults", async () => {
    const { token, registry, channels } = typedSotto(await ignition.deploy(SottoLocalModule));
    assert.equal(await registry.read.token(), getAddress(token.address));
    assert.equal(await channels.read.token(), getAddress(token.address));
    assert.equal(await registry.read.minimumStake(), SOTTO_DEFAULTS.minimumStake);
    assert.equal(await registry.read.unbondingDelay(), SOTTO_DEFAULTS.unbondingDelay);
    assert.equal(await channels.read.noticePeriod(), SOTTO_DEFAULTS.closeNoticePeriod);
  });

  it("SottoLocal takes parameters", async () => {
    const { registry, channels } = typedSotto(
      await ignition.deploy(SottoLocalModule, {
        parameters: { SottoLocal: { minimumStake: 5n, unbondingDelay: 60n, closeNoticePeriod: 30n } },
      }),
    );
    assert.equal(await registry.read.minimumStake(), 5n);
    assert.equal(await registry.read.unbondingDelay(), 60n);
    assert.equal(await channels.read.noticePeriod(), 30n);
  });

  it("Sotto deploys for existing tokens and requires them", async () => {
    const staking = await deployToken(viem);
    const payment = await deployToken(viem);
    const deployed = await ignition.deploy(SottoModule, {
      parameters: { Sotto: { stakingToken: staking.address, paymentToken: payment.address, minimumStake: parseEther("1") } },
    });
    const registry = deployed.registry as unknown as RelayRegistryContract;
    const channels = deployed.channels as unknown as PaymentChannelsContract;
    assert.equal(await registry.read.token(), getAddress(staking.address));
    assert.equal(await channels.read.token(), getAddress(payment.address));
    assert.equal(await registry.read.minimumStake(), parseEther("1"));
    await assert.rejects(ignition.deploy(SottoModule), /stakingToken|paymentToken|parameter/i);
  });
});

describe("contracts/deployments.ts", () => {
  const dirs: string[] = [];
  after(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  async function deploymentsDir(files: Record<string, string>): Promise<string> {
    const dir = await mkdtemp(path.join(tmpdir(), "sotto-deployments-"));
    dirs.push(dir);
    for (const [name, content] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
      await writeFile(path.join(dir, name), content);
    }
    return dir;
  }

  const registry = "0x5fbdb2315678afecb367f032d93f642f64180aa3";
  const channels = "0xe7f1725e7734ce288f8367e1bb143e90bb3f0512";
  const token = "0x9fe46736679d2d9a65f0992f2272de9f3c7fa6e0";

  it("reads the addresses of a chain's deployment", async () => {
    const dir = await deploymentsDir({
      "chain-31337/deployed_addresses.json": JSON.stringify({
        "SottoTestToken#SottoTestToken": token,
        "SottoLocal#RelayRegistry": registry,
        "SottoLocal#PaymentChannels": channels,
      }),
    });
    const deployment = await readDeployment(31337, { deploymentsDir: dir });
    assert.deepEqual(deployment, {
      chainId: 31337,
      deploymentId: "chain-31337",
      deploymentDir: path.join(dir, "chain-31337"),
      relayRegistry: getAddress(registry),
      paymentChannels: getAddress(channels),
      testToken: getAddress(token),
      futures: {
        "SottoTestToken#SottoTestToken": getAddress(token),
        "SottoLocal#RelayRegistry": getAddress(registry),
        "SottoLocal#PaymentChannels": getAddress(channels),
      },
    });
  });

  it("reads a named deployment without a test token", async () => {
    const dir = await deploymentsDir({
      "sepolia-v1/deployed_addresses.json": JSON.stringify({ "Sotto#RelayRegistry": registry, "Sotto#PaymentChannels": channels }),
    });
    const deployment = await readDeployment(11155111, { deploymentsDir: dir, deploymentId: "sepolia-v1" });
    assert.equal(deployment.relayRegistry, getAddress(registry));
    assert.equal(deployment.testToken, undefined);
  });

  it("throws DeploymentNotFoundError with a clear message", async () => {
    const dir = await deploymentsDir({
      "chain-1/deployed_addresses.json": JSON.stringify({ "Sotto#RelayRegistry": registry }),
      "chain-2/deployed_addresses.json": "{not json",
      "chain-3/deployed_addresses.json": JSON.stringify({ "Sotto#RelayRegistry": "0x1234" }),
      "chain-4/deployed_addresses.json": JSON.stringify({
        "Sotto#RelayRegistry": registry,
        "SottoLocal#RelayRegistry": registry,
        "Sotto#PaymentChannels": channels,
      }),
      "chain-5/deployed_addresses.json": "[]",
    });
    const cases: [number, RegExp][] = [
      [999, /no Sotto deployment for chain 999 in .*chain-999: deployed_addresses.json is missing/],
      [1, /chain 1 .*no PaymentChannels in deployed_addresses.json/],
      [2, /not valid JSON/],
      [3, /Sotto#RelayRegistry is not an address: 0x1234/],
      [4, /several RelayRegistry futures: Sotto#RelayRegistry, SottoLocal#RelayRegistry/],
      [5, /is not an object/],
    ];
    for (const [chainId, message] of cases) {
      await assert.rejects(readDeployment(chainId, { deploymentsDir: dir }), (error: unknown) => {
        assert.ok(error instanceof DeploymentNotFoundError);
        assert.equal(error.chainId, chainId);
        assert.match(error.message, message);
        return true;
      });
    }
  });

  it("defaults to ignition/deployments of the repository", async () => {
    await assert.rejects(readDeployment(424242), (error: unknown) => {
      assert.ok(error instanceof DeploymentNotFoundError);
      assert.equal(error.deploymentDir, path.join(root, "ignition", "deployments", "chain-424242"));
      return true;
    });
  });
});

describe("contracts/generated", () => {
  it("matches a fresh generation from the build artifacts (run `npm run build` if not)", async () => {
    assert.deepEqual(await staleGeneratedFiles(root), []);
    const files = await renderGeneratedFiles(root);
    assert.equal(files.size, GENERATED_CONTRACTS.length + 1);
  });

  it("exports ABIs and bytecode that deploy and run with plain viem", async () => {
    const [wallet] = await viem.getWalletClients();
    const publicClient = await viem.getPublicClient();
    const token = await deployToken(viem);
    const hash = await wallet!.deployContract({
      abi: generated.relayRegistryAbi,
      bytecode: generated.relayRegistryBytecode,
      args: [token.address, 1n, 2n],
    });
    const { contractAddress } = await publicClient.waitForTransactionReceipt({ hash });
    assert.ok(contractAddress);
    const read = (functionName: "token" | "minimumStake" | "unbondingDelay") =>
      publicClient.readContract({ address: contractAddress, abi: generated.relayRegistryAbi, functionName });
    assert.deepEqual([await read("token"), await read("minimumStake"), await read("unbondingDelay")], [
      getAddress(token.address),
      1n,
      2n,
    ]);
    const code = await publicClient.getCode({ address: contractAddress });
    assert.equal(code?.length, generated.relayRegistryDeployedBytecode.length);
    const names = generated.paymentChannelsAbi.filter((item) => item.type === "function").map((item) => item.name);
    for (const name of ["fund", "fundWithPermit", "redeem", "redeemMany", "initiateClose", "finalizeClose", "closeIncoming"]) {
      assert.ok(names.includes(name as (typeof names)[number]), name);
    }
  });
});
