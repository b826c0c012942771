// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

/// @title ClearingVault
/// @notice Custody of Clearing collateral on one EVM chain. The vault holds tokens and native coin;
///         the margin ledger lives off chain. A chain watcher credits each finalized `Deposited` log
///         of this address to the margin account named in it, and the operator moves value out only
///         under an off-chain decision id (withdrawal or liquidation) that this contract accepts once.
/// @dev No account balances are kept here on purpose: one ledger (off chain) decides, the vault
///      only enforces custody rules (allowlist, roles, pause, one execution per decision id).
///      There is no function that performs an arbitrary call: value leaves only as an ERC-20
///      `transfer` of an address the caller names or as a plain native transfer with no calldata.
contract ClearingVault is AccessControl, Pausable, ReentrancyGuard {
    using SafeERC20 for IERC20;

    /// @notice May execute withdrawals and seizures decided by the clearing house.
    bytes32 public constant OPERATOR_ROLE = keccak256("OPERATOR_ROLE");
    /// @notice May pause and unpause the vault (an incident switch held apart from the operator key).
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");

    /// @notice ERC-20 contracts accepted by `deposit`. Native coin needs no entry.
    mapping(address token => bool allowed) public allowedTokens;
    /// @notice Withdrawal ids already executed; the executor's second line against double execution.
    mapping(bytes32 withdrawalId => bool used) public withdrawalIdUsed;
    /// @notice Liquidation ids already executed; a namespace apart from withdrawal ids because the
    ///         two come from different off-chain decision streams.
    mapping(bytes32 liquidationId => bool used) public liquidationIdUsed;

    /// @notice Collateral arrived for `account`. `amount` is what the vault's balance grew by, in the
    ///         token's base units (wei for native), so a fee-on-transfer token reports what arrived.
    /// @param account   Clearing margin account id (topic 1).
    /// @param token     ERC-20 address, or address(0) for the chain's native coin (topic 2).
    /// @param amount    Base units received by the vault (data word 0).
    /// @param depositor Sender of the deposit transaction call (data word 1).
    event Deposited(bytes32 indexed account, address indexed token, uint256 amount, address depositor);
    /// @notice A user withdrawal decided off chain under `withdrawalId` was paid out.
    event Withdrawn(bytes32 indexed withdrawalId, address indexed token, address indexed to, uint256 amount);
    /// @notice Collateral was seized under liquidation `liquidationId` and sent to `to`
    ///         (liquidator or insurance fund).
    event Seized(bytes32 indexed liquidationId, address indexed token, address indexed to, uint256 amount);
    /// @notice The admin changed whether `token` may be deposited.
    event TokenAllowed(address indexed token, bool allowed);

    /// @notice The constructor was given no admin; the vault would be unmanageable forever.
    error ZeroAdmin();
    /// @notice `deposit` was called with a token the admin has not allowlisted.
    error TokenNotAllowed(address token);
    /// @notice An allowlist entry must be a deployed contract; address(0) means native and is implicit.
    error NotATokenContract(address token);
    /// @notice A zero account id cannot be attributed to any margin account.
    error ZeroAccount();
    /// @notice Zero-value movements carry no meaning and would only create empty ledger entries.
    error ZeroAmount();
    /// @notice The token moved nothing into the vault (e.g. a 100 % fee), so there is nothing to credit.
    error NothingReceived(address token);
    /// @notice A payout to address(0) would burn collateral.
    error ZeroRecipient();
    /// @notice `withdrawalId` was already executed (replay or a second executor).
    error WithdrawalIdUsed(bytes32 withdrawalId);
    /// @notice `liquidationId` was already executed (replay or a second executor).
    error LiquidationIdUsed(bytes32 liquidationId);

    /// @param admin Holder of DEFAULT_ADMIN_ROLE: manages the allowlist and grants OPERATOR_ROLE and
    ///              PAUSER_ROLE (none are granted here, so every key's power is an explicit grant).
    constructor(address admin) {
        if (admin == address(0)) revert ZeroAdmin();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    /// @notice Deposit `amount` base units of an allowlisted ERC-20 for `account`.
    /// @dev The caller must have approved the vault. The emitted amount is the vault's balance delta,
    ///      not `amount`, so a token that takes a fee or otherwise delivers less is credited only what
    ///      arrived. `nonReentrant` is what keeps that delta honest: a token that re-entered `deposit`
    ///      from `transferFrom` would otherwise count the inner deposit inside the outer delta too.
    function deposit(bytes32 account, address token, uint256 amount) external nonReentrant whenNotPaused {
        if (!allowedTokens[token]) revert TokenNotAllowed(token);
        if (account == bytes32(0)) revert ZeroAccount();
        if (amount == 0) revert ZeroAmount();

        IERC20 erc20 = IERC20(token);
        uint256 balanceBefore = erc20.balanceOf(address(this));
        erc20.safeTransferFrom(msg.sender, address(this), amount);
        uint256 received = erc20.balanceOf(address(this)) - balanceBefore;
        if (received == 0) revert NothingReceived(token);

        emit Deposited(account, token, received, msg.sender);
    }

    /// @notice Deposit the attached native coin for `account`; logged with token = address(0).
    /// @dev Plain transfers to the vault revert (there is no `receive`), because coin that arrives
    ///      without an account id could not be attributed to anyone.
    function depositNative(bytes32 account) external payable nonReentrant whenNotPaused {
        if (account == bytes32(0)) revert ZeroAccount();
        if (msg.value == 0) revert ZeroAmount();
        emit Deposited(account, address(0), msg.value, msg.sender);
    }

    /// @notice Pay out a withdrawal the clearing house approved off chain under `withdrawalId`.
    /// @dev Blocked while paused: a user withdrawal can always wait for the incident to be resolved.
    ///      The token need not be allowlisted any more, so delisting a token never traps collateral.
    /// @param token address(0) for native coin.
    function withdraw(bytes32 withdrawalId, address token, address to, uint256 amount)
        external
        nonReentrant
        whenNotPaused
        onlyRole(OPERATOR_ROLE)
    {
        if (withdrawalIdUsed[withdrawalId]) revert WithdrawalIdUsed(withdrawalId);
        withdrawalIdUsed[withdrawalId] = true;
        _payOut(token, to, amount);
        emit Withdrawn(withdrawalId, token, to, amount);
    }

    /// @notice Move seized collateral to `to` for liquidation `liquidationId`.
    /// @dev Deliberately allowed while paused. Pausing stops new risk entering (deposits) and value
    ///      leaving to users (withdrawals); liquidations are what keeps the clearing house solvent
    ///      during the very incidents that prompt a pause, and every hour they wait is loss for the
    ///      insurance fund. The response to a compromised operator key is therefore the admin revoking
    ///      OPERATOR_ROLE (one transaction, like a pause), not pausing.
    /// @param token address(0) for native coin.
    function seize(bytes32 liquidationId, address token, address to, uint256 amount)
        external
        nonReentrant
        onlyRole(OPERATOR_ROLE)
    {
        if (liquidationIdUsed[liquidationId]) revert LiquidationIdUsed(liquidationId);
        liquidationIdUsed[liquidationId] = true;
        _payOut(token, to, amount);
        emit Seized(liquidationId, token, to, amount);
    }

    /// @notice Allow or refuse future deposits of `token`. Existing holdings stay withdrawable.
    function setAllowedToken(address token, bool allowed) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (token.code.length == 0) revert NotATokenContract(token);
        allowedTokens[token] = allowed;
        emit TokenAllowed(token, allowed);
    }

    /// @notice Stop deposits and withdrawals (seizures continue, see `seize`).
    function pause() external onlyRole(PAUSER_ROLE) {
        _pause();
    }

    /// @notice Resume deposits and withdrawals.
    function unpause() external onlyRole(PAUSER_ROLE) {
        _unpause();
    }

    /// @dev Shared by withdraw and seize after the id has been consumed (effects before interaction).
    ///      Native coin goes out with `sendValue` (no calldata); ERC-20 with SafeERC20 `safeTransfer`.
    function _payOut(address token, address to, uint256 amount) private {
        if (to == address(0)) revert ZeroRecipient();
        if (amount == 0) revert ZeroAmount();
        if (token == address(0)) {
            Address.sendValue(payable(to), amount);
        } else {
            IERC20(token).safeTransfer(to, amount);
        }
    }
}
