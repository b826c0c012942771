using System.Numerics;
using Clearing.Chains.Evm.Model;

namespace Clearing.Chains.Evm.Abi;

/// <summary>The ERC-20 functions and event Clearing uses (EIP-20).</summary>
public static class Erc20Abi
{
    public static readonly AbiFunction BalanceOf = AbiFunction.Parse("balanceOf(address owner)", "uint256");

    public static readonly AbiFunction Transfer = AbiFunction.Parse("transfer(address to, uint256 value)", "bool");

    public static readonly AbiFunction Approve = AbiFunction.Parse("approve(address spender, uint256 value)", "bool");

    public static readonly AbiFunction Decimals = AbiFunction.Parse("decimals()", "uint8");

    public static readonly AbiEvent TransferEvent = AbiEvent.Parse("Transfer(address indexed from, address indexed to, uint256 value)");

    public static byte[] EncodeBalanceOf(EvmAddress owner) => BalanceOf.EncodeCall(owner);

    public static byte[] EncodeTransfer(EvmAddress to, BigInteger amount) => Transfer.EncodeCall(to, amount);

    public static byte[] EncodeApprove(EvmAddress spender, BigInteger amount) => Approve.EncodeCall(spender, amount);

    public static BigInteger DecodeBalance(ReadOnlySpan<byte> returnData) => (BigInteger)BalanceOf.DecodeOutput(returnData)[0];

    public static byte DecodeDecimals(ReadOnlySpan<byte> returnData) => (byte)(BigInteger)Decimals.DecodeOutput(returnData)[0];
}

/// <summary>One answer of a Chainlink-style aggregator: the price is <see cref="Answer"/> scaled by 10^decimals.</summary>
public sealed record AggregatorRound(BigInteger RoundId, BigInteger Answer, BigInteger StartedAt, BigInteger UpdatedAt, BigInteger AnsweredInRound);

/// <summary>Chainlink AggregatorV3Interface, read by the oracles.</summary>
public static class ChainlinkAggregatorAbi
{
    public static readonly AbiFunction LatestRoundData =
        AbiFunction.Parse("latestRoundData()", "(uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)");

    public static readonly AbiFunction Decimals = AbiFunction.Parse("decimals()", "uint8");

    public static byte[] EncodeLatestRoundData() => LatestRoundData.EncodeCall();

    public static AggregatorRound DecodeLatestRoundData(ReadOnlySpan<byte> returnData)
    {
        var values = LatestRoundData.DecodeOutput(returnData);
        return new AggregatorRound((BigInteger)values[0], (BigInteger)values[1], (BigInteger)values[2], (BigInteger)values[3], (BigInteger)values[4]);
    }
}

/// <summary>A decoded <c>Deposited</c> log: <see cref="Token"/> is the zero address for native deposits.</summary>
public sealed record VaultDeposit(byte[] Account, EvmAddress Token, BigInteger Amount, EvmAddress Depositor);

/// <summary>
/// contracts/evm/src/ClearingVault.sol as the C# side sees it: deposits (made by users), withdraw and seize (made by
/// the operator key, each under a one-shot id), the admin and pauser calls, events and custom errors.
/// Signatures are pinned against the compiled artifact in the tests.
/// </summary>
public static class ClearingVaultAbi
{
    public static readonly AbiFunction Deposit = AbiFunction.Parse("deposit(bytes32 account, address token, uint256 amount)");

    public static readonly AbiFunction DepositNative = AbiFunction.Parse("depositNative(bytes32 account)");

    public static readonly AbiFunction Withdraw = AbiFunction.Parse("withdraw(bytes32 withdrawalId, address token, address to, uint256 amount)");

    public static readonly AbiFunction Seize = AbiFunction.Parse("seize(bytes32 liquidationId, address token, address to, uint256 amount)");

    public static readonly AbiFunction WithdrawalIdUsed = AbiFunction.Parse("withdrawalIdUsed(bytes32 withdrawalId)", "bool");

    public static readonly AbiFunction LiquidationIdUsed = AbiFunction.Parse("liquidationIdUsed(bytes32 liquidationId)", "bool");

    public static readonly AbiFunction SetAllowedToken = AbiFunction.Parse("setAllowedToken(address token, bool allowed)");

    public static readonly AbiFunction AllowedTokens = AbiFunction.Parse("allowedTokens(address token)", "bool");

    public static readonly AbiFunction GrantRole = AbiFunction.Parse("grantRole(bytes32 role, address account)");

    public static readonly AbiFunction HasRole = AbiFunction.Parse("hasRole(bytes32 role, address account)", "bool");

    public static readonly AbiFunction Pause = AbiFunction.Parse("pause()");

    public static readonly AbiFunction Unpause = AbiFunction.Parse("unpause()");

    public static readonly AbiFunction Paused = AbiFunction.Parse("paused()", "bool");

    public static readonly AbiEvent Deposited =
        AbiEvent.Parse("Deposited(bytes32 indexed account, address indexed token, uint256 amount, address depositor)");

    public static readonly AbiEvent Withdrawn =
        AbiEvent.Parse("Withdrawn(bytes32 indexed withdrawalId, address indexed token, address indexed to, uint256 amount)");

    public static readonly AbiEvent Seized =
        AbiEvent.Parse("Seized(bytes32 indexed liquidationId, address indexed token, address indexed to, uint256 amount)");

    /// <summary>The revert of a withdraw whose id was already executed: the contract's second line against double execution.</summary>
    public static readonly AbiError WithdrawalIdUsedError = AbiError.Parse("WithdrawalIdUsed(bytes32 withdrawalId)");

    public static readonly AbiError LiquidationIdUsedError = AbiError.Parse("LiquidationIdUsed(bytes32 liquidationId)");

    public static readonly AbiError TokenNotAllowedError = AbiError.Parse("TokenNotAllowed(address token)");

    /// <summary>OpenZeppelin AccessControl's admin role id: bytes32(0).</summary>
    public static byte[] DefaultAdminRole => new byte[32];

    /// <summary>keccak256("OPERATOR_ROLE"): may withdraw and seize.</summary>
    public static byte[] OperatorRole => Keccak256.Hash("OPERATOR_ROLE");

    /// <summary>keccak256("PAUSER_ROLE"): may pause and unpause.</summary>
    public static byte[] PauserRole => Keccak256.Hash("PAUSER_ROLE");

    public static byte[] EncodeDeposit(byte[] account32, EvmAddress token, BigInteger amount) => Deposit.EncodeCall(account32, token, amount);

    public static byte[] EncodeDepositNative(byte[] account32) => DepositNative.EncodeCall(account32);

    /// <param name="token">The zero address for the native coin.</param>
    public static byte[] EncodeWithdraw(byte[] withdrawalId32, EvmAddress token, EvmAddress to, BigInteger amount) =>
        Withdraw.EncodeCall(withdrawalId32, token, to, amount);

    /// <param name="token">The zero address for the native coin.</param>
    public static byte[] EncodeSeize(byte[] liquidationId32, EvmAddress token, EvmAddress to, BigInteger amount) =>
        Seize.EncodeCall(liquidationId32, token, to, amount);

    public static VaultDeposit DecodeDeposited(IReadOnlyList<byte[]> topics, ReadOnlySpan<byte> data)
    {
        var values = Deposited.Decode(topics, data);
        return new VaultDeposit(values.Get<byte[]>("account"), values.Get<EvmAddress>("token"), values.Get<BigInteger>("amount"), values.Get<EvmAddress>("depositor"));
    }
}
