// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @notice The part of ClearingVault the attacker calls back into.
interface IClearingVaultDeposit {
    function deposit(bytes32 account, address token, uint256 amount) external;
}

/// @title ReentrantToken
/// @notice TEST ONLY - a hostile ERC-20. Once armed, its `transferFrom` first calls back into the
///         vault's `deposit` with itself, the classic attempt to have the nested deposit's tokens
///         counted inside the outer deposit's balance delta as well (one transfer, two credits).
///         The vault's ReentrancyGuard must make the whole deposit revert.
contract ReentrantToken is ERC20 {
    IClearingVaultDeposit public vault;
    bytes32 public account;
    bool public armed;

    constructor() ERC20("Reentrant Test Token", "REENTER") {}

    /// @notice TEST ONLY: unrestricted mint.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Arm the attack: the next `transferFrom` re-enters `vault_.deposit` for `account_`.
    function arm(IClearingVaultDeposit vault_, bytes32 account_) external {
        vault = vault_;
        account = account_;
        armed = true;
    }

    /// @dev Disarms before the call so the attack is tried exactly once per transaction; the
    ///      re-entrant deposit's own transferFrom would otherwise recurse.
    function transferFrom(address from, address to, uint256 value) public override returns (bool) {
        if (armed) {
            armed = false;
            vault.deposit(account, address(this), value);
        }
        return super.transferFrom(from, to, value);
    }
}
