// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/**
 * @title ReentrancyLock
 * @dev Reentrancy guard in a transient storage variable (EIP-1153): like OpenZeppelin's
 * `ReentrancyGuardTransient`, written with Solidity's `transient` keyword so that no inline `tstore` (and no
 * compiler warning about it) is involved. The lock is cleared at the end of every guarded call.
 */
abstract contract ReentrancyLock {
    bool private transient _locked;

    /**
     * @dev A guarded function was entered again before it returned.
     */
    error ReentrancyLockReentrantCall();

    /**
     * @dev Prevents a contract from calling itself, directly or indirectly, through guarded functions.
     */
    modifier nonReentrant() {
        if (_locked) revert ReentrancyLockReentrantCall();
        _locked = true;
        _;
        _locked = false;
    }
}
