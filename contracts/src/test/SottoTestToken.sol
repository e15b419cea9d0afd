// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";

/**
 * @title SottoTestToken
 * @dev ERC-20 with ERC-2612 permit and an open {mint}, for demos, tests and test networks.
 *
 * IMPORTANT: anyone can mint. Never use it where the token must have value.
 */
contract SottoTestToken is ERC20, ERC20Permit {
    constructor() ERC20("Sotto Test Token", "SOTTO") ERC20Permit("Sotto Test Token") {}

    /**
     * @notice Mints `amount` tokens to `to`. Open to anyone.
     * @param to The recipient.
     * @param amount The amount in base units.
     */
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }
}
