// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title LookalikeDepositEmitter
/// @notice TEST ONLY - emits an event with exactly ClearingVault's `Deposited` signature (same
///         topic 0 and layout) without holding anything. Anyone can make a contract do this, which
///         is why a watcher must filter logs by the vault's address and never by topic alone.
contract LookalikeDepositEmitter {
    event Deposited(bytes32 indexed account, address indexed token, uint256 amount, address depositor);

    /// @notice Emit a forged deposit of `amount` for `account`; no token moves.
    function emitDeposited(bytes32 account, address token, uint256 amount) external {
        emit Deposited(account, token, amount, msg.sender);
    }
}
