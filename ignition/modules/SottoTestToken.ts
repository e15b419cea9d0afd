// The open-mint test token (ERC-20 + ERC-2612) used by demos, tests and test networks.
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

export default buildModule("SottoTestToken", (m) => {
  const token = m.contract("SottoTestToken");
  return { token };
});
