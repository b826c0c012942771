// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title FeeOnTransferToken
/// @notice TEST ONLY - anyone can mint. Burns `feeBps` basis points (1 bp = 0.01 %) of every
///         transfer, so the recipient receives less than the amount named in the call. Proves that the
///         vault credits its balance delta rather than the claimed amount.
contract FeeOnTransferToken is ERC20 {
    /// @notice Fee in basis points of each transfer's value (100 = 1 %), rounded down.
    uint256 public immutable feeBps;

    error FeeTooHigh(uint256 feeBps);

    constructor(string memory name_, string memory symbol_, uint256 feeBps_) ERC20(name_, symbol_) {
        if (feeBps_ > 10_000) revert FeeTooHigh(feeBps_);
        feeBps = feeBps_;
    }

    /// @notice TEST ONLY: unrestricted mint (mints are not charged the fee).
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @dev Transfers between two holders pay the fee by burning it from the sender's value;
    ///      mints and burns pass through untouched.
    function _update(address from, address to, uint256 value) internal override {
        if (from == address(0) || to == address(0)) {
            super._update(from, to, value);
            return;
        }
        uint256 fee = (value * feeBps) / 10_000;
        super._update(from, address(0), fee);
        super._update(from, to, value - fee);
    }
}
