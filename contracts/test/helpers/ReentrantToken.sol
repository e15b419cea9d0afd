// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/**
 * @dev Test token that, once armed, calls back into `target` during the next transfer to or from it, and records
 * whether that reentrant call succeeded and what it reverted with.
 */
contract ReentrantToken is ERC20 {
    address public target;
    bytes public callback;
    bool public reentered;
    bytes public reentryError;

    constructor() ERC20("Reentrant", "RE") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function arm(address target_, bytes calldata callback_) external {
        target = target_;
        callback = callback_;
    }

    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        if ((from == target || to == target) && callback.length != 0) {
            bytes memory data = callback;
            delete callback; // once
            (bool ok, bytes memory err) = target.call(data);
            reentered = ok;
            reentryError = err;
        }
    }
}
