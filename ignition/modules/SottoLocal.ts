// Local and test-network deployment: the test token, staked and spent by RelayRegistry and PaymentChannels.
//
//   npx hardhat ignition deploy ignition/modules/SottoLocal.ts --network localhost
//   optional parameters: { "SottoLocal": { "minimumStake": "…n", "unbondingDelay": "…n", "closeNoticePeriod": "…n" } }
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import { deployCore } from "./core.ts";
import SottoTestTokenModule from "./SottoTestToken.ts";

export default buildModule("SottoLocal", (m) => {
  const { token } = m.useModule(SottoTestTokenModule);
  const { registry, channels } = deployCore(m, { stakingToken: token, paymentToken: token });
  return { token, registry, channels };
});
