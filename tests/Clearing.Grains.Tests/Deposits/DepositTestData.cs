using System.Numerics;
using Clearing.Chains;

namespace Clearing.Grains.Tests.Deposits;

/// <summary>The deposits the sink and inbox tests feed in: on <see cref="TestRisk.Chain"/>, USDC unless told.</summary>
internal static class DepositTestData
{
    public static ObservedDeposit Observed(string tx, string? account, BigInteger amount, ulong height = 5, string asset = "USDC", int index = 0, string? suspenseReason = null) =>
        new(new DepositKey(TestRisk.Chain, tx, index), account, asset, "0xtoken", amount, height, $"0xblock{height}", "0xdepositor", suspenseReason);

    /// <summary>Whole dollars in USDC units (6 decimals).</summary>
    public static BigInteger Usd(long dollars) => (BigInteger)TestRisk.Dollars(dollars);
}
