// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title TestToken
/// @notice TEST ONLY - anyone can mint any amount. An ERC-20 with configurable decimals so the
///         tests and the devnet can hold a 6-decimal (USDC-like) and an 18-decimal (WETH-like) asset.
contract TestToken is ERC20 {
    uint8 private immutable _decimals;

    constructor(string memory name_, string memory symbol_, uint8 decimals_) ERC20(name_, symbol_) {
        _decimals = decimals_;
    }

    /// @notice Base units per whole token are 10^decimals(); the vault itself never reads this.
    function decimals() public view override returns (uint8) {
        return _decimals;
    }

    /// @notice TEST ONLY: unrestricted mint, so any test account can fund itself.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }
}
