using Clearing.Domain.Netting;

namespace Clearing.Domain.Tests.Netting;

public sealed class MultilateralNettingTests
{
    [Theory]
    // A owes B 100 and B owes C 100: B is flat, A pays C directly.
    [InlineData("A>B:100,B>C:100", "A>C:100")]
    // A full cycle cancels: nobody moves anything.
    [InlineData("A>B:70,B>C:70,C>A:70", "")]
    // Two members owing each other net bilaterally.
    [InlineData("A>B:100,B>A:30", "A>B:70")]
    // Largest debtor pays largest creditor first: A -90 and B -10 against C +60 and D +40.
    [InlineData("A>C:60,A>D:30,B>D:10", "A>C:60,A>D:30,B>D:10")]
    // Exact opposites are paired: A -50 to D +50 and B -30 to C +30, not A→C, A→D, B→D.
    [InlineData("A>C:30,A>D:20,B>D:30", "A>D:50,B>C:30")]
    public void Nets_a_small_book_into_the_expected_transfers(string obligations, string expectedTransfers)
    {
        var result = MultilateralNetting.Net(Parse(obligations));

        var actual = string.Join(",", result.Transfers.Select(t => $"{t.Payer}>{t.Payee}:{t.Amount}"));
        Assert.Equal(expectedTransfers, actual);
    }

    [Fact]
    public void Splits_into_zero_sum_groups_where_largest_first_would_need_one_transfer_more()
    {
        // Nets: A -5, B -6, C +3, D +2, E +4, F +2. Largest-first over everyone needs 5 transfers
        // (B→E 4, B→C 2, A→C 1, A→D 2, A→F 2); the groups {A, C, D} and {B, E, F} need 2 + 2 = 4.
        var obligations = Parse("A>C:3,A>D:2,B>E:4,B>F:2");

        var result = MultilateralNetting.Net(obligations);

        Assert.Equal(4, result.Transfers.Count);
        AssertSettlesExactlyTheNets(result);
    }

    [Fact]
    public void Nets_are_kept_apart_per_chain_and_asset()
    {
        var obligations = new[]
        {
            new Obligation("A", "B", "ethereum", "USDC", 100),
            new Obligation("B", "A", "solana", "USDC", 100),
            new Obligation("B", "A", "ethereum", "WETH", 7),
        };

        var result = MultilateralNetting.Net(obligations);

        Assert.Equal(
            ["ethereum/USDC A>B:100", "ethereum/WETH B>A:7", "solana/USDC B>A:100"],
            result.Transfers.Select(t => $"{t.Chain}/{t.Asset} {t.Payer}>{t.Payee}:{t.Amount}"));
        Assert.Equal(6, result.Nets.Count);
    }

    [Fact]
    public void Amounts_beyond_64_bits_net_exactly()
    {
        var huge = (Int128)ulong.MaxValue * 1000;
        var result = MultilateralNetting.Net([
            new Obligation("A", "B", "ethereum", "WETH", huge),
            new Obligation("B", "C", "ethereum", "WETH", huge - 1),
        ]);

        Assert.Equal(["A>B:1", "A>C:" + (huge - 1)], result.Transfers.Select(t => $"{t.Payer}>{t.Payee}:{t.Amount}"));
    }

    [Theory]
    [InlineData("A", "B", 0)]
    [InlineData("A", "B", -5)]
    [InlineData("A", "A", 5)]
    [InlineData("", "B", 5)]
    public void Rejects_an_obligation_that_is_not_a_positive_amount_between_two_members(string payer, string payee, long amount)
    {
        Assert.Throws<ArgumentException>(() => MultilateralNetting.Net([new Obligation(payer, payee, "ethereum", "USDC", amount)]));
    }

    [Fact]
    public void Random_books_conserve_value_settle_exactly_and_need_at_most_members_minus_one_transfers()
    {
        const int cases = 4000;
        for (var seed = 0; seed < cases; seed++)
        {
            var random = new Random(20261121 + seed);
            var obligations = RandomBook(random, members: random.Next(2, 11), maxAmount: random.Next(2) == 0 ? 10 : 1_000_000);

            var result = MultilateralNetting.Net(obligations);

            AssertNetsAreTheGrossSums(obligations, result);
            AssertSettlesExactlyTheNets(result);
            foreach (var group in result.Transfers.GroupBy(t => (t.Chain, t.Asset)))
            {
                var members = obligations.Where(o => (o.Chain, o.Asset) == group.Key).SelectMany(o => new[] { o.Payer, o.Payee }).Distinct().Count();
                Assert.True(group.Count() <= members - 1, $"seed {seed}: {group.Count()} transfers for {members} members");
                Assert.Empty(group.Select(t => t.Payer).Intersect(group.Select(t => t.Payee)));
                Assert.All(group, t => Assert.True(t.Amount > 0));
            }
        }
    }

    [Fact]
    public void Random_small_books_reach_the_brute_force_minimum_number_of_transfers()
    {
        const int cases = 3000;
        for (var seed = 0; seed < cases; seed++)
        {
            var random = new Random(7_000_000 + seed);
            // Small amounts make zero-sum groups common, which is where the minimum differs from n - 1.
            var obligations = RandomBook(random, members: random.Next(3, 9), maxAmount: 6, chains: 1, assets: 1);

            var result = MultilateralNetting.Net(obligations);

            var nets = result.Nets.Select(n => n.Amount).ToArray();
            Assert.True(
                result.Transfers.Count == nets.Length - MostZeroSumGroups(nets),
                $"seed {seed}: {result.Transfers.Count} transfers, minimum {nets.Length - MostZeroSumGroups(nets)}");
        }
    }

    [Fact]
    public void Random_books_beyond_the_exact_search_still_settle_within_members_minus_one()
    {
        for (var seed = 0; seed < 200; seed++)
        {
            var random = new Random(31_000 + seed);
            var obligations = RandomBook(random, members: 40, maxAmount: 1_000_000_000, chains: 1, assets: 1, count: 120);

            var result = MultilateralNetting.Net(obligations);

            AssertNetsAreTheGrossSums(obligations, result);
            AssertSettlesExactlyTheNets(result);
            Assert.True(result.Transfers.Count <= result.Nets.Count - 1);
        }
    }

    private static List<Obligation> RandomBook(Random random, int members, int maxAmount, int chains = 3, int assets = 3, int? count = null)
    {
        string[] chainNames = ["ethereum", "arbitrum", "solana"];
        string[] assetNames = ["USDC", "WETH", "SOL"];
        var obligations = new List<Obligation>();
        var total = count ?? random.Next(1, 4 * members);
        for (var i = 0; i < total; i++)
        {
            var payer = random.Next(members);
            var payee = (payer + 1 + random.Next(members - 1)) % members;
            obligations.Add(new Obligation(
                $"m{payer}", $"m{payee}", chainNames[random.Next(chains)], assetNames[random.Next(assets)], random.Next(1, maxAmount + 1)));
        }

        return obligations;
    }

    private static void AssertNetsAreTheGrossSums(List<Obligation> obligations, NettingResult result)
    {
        var expected = new Dictionary<(string, string, string), Int128>();
        foreach (var o in obligations)
        {
            expected[(o.Payer, o.Chain, o.Asset)] = expected.GetValueOrDefault((o.Payer, o.Chain, o.Asset)) - o.Amount;
            expected[(o.Payee, o.Chain, o.Asset)] = expected.GetValueOrDefault((o.Payee, o.Chain, o.Asset)) + o.Amount;
        }

        Assert.Equal(
            expected.Where(e => e.Value != 0).ToDictionary(e => e.Key, e => e.Value),
            result.Nets.ToDictionary(n => (n.Member, n.Chain, n.Asset), n => n.Amount));
        foreach (var perAsset in result.Nets.GroupBy(n => (n.Chain, n.Asset)))
        {
            Assert.Equal(Int128.Zero, perAsset.Aggregate(Int128.Zero, (sum, n) => sum + n.Amount));
        }
    }

    private static void AssertSettlesExactlyTheNets(NettingResult result)
    {
        var settled = new Dictionary<(string, string, string), Int128>();
        foreach (var t in result.Transfers)
        {
            settled[(t.Payer, t.Chain, t.Asset)] = settled.GetValueOrDefault((t.Payer, t.Chain, t.Asset)) - t.Amount;
            settled[(t.Payee, t.Chain, t.Asset)] = settled.GetValueOrDefault((t.Payee, t.Chain, t.Asset)) + t.Amount;
        }

        Assert.Equal(result.Nets.ToDictionary(n => (n.Member, n.Chain, n.Asset), n => n.Amount), settled);
    }

    /// <summary>Brute force, independent of the implementation: the most disjoint zero-sum groups the nets split into.</summary>
    private static int MostZeroSumGroups(Int128[] nets)
    {
        int Best(int remaining)
        {
            if (remaining == 0)
            {
                return 0;
            }

            var first = remaining & -remaining;
            var others = remaining & ~first;
            var best = 0;
            // Every subset of the others joined with the first member; the group must sum to zero.
            for (var subset = others; ; subset = (subset - 1) & others)
            {
                var group = subset | first;
                var sum = Int128.Zero;
                for (var i = 0; i < nets.Length; i++)
                {
                    if ((group & (1 << i)) != 0)
                    {
                        sum += nets[i];
                    }
                }

                if (sum == 0)
                {
                    best = Math.Max(best, 1 + Best(remaining & ~group));
                }

                if (subset == 0)
                {
                    break;
                }
            }

            return best;
        }

        return Best((1 << nets.Length) - 1);
    }

    private static List<Obligation> Parse(string obligations) =>
        obligations.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(o =>
        {
            var parts = o.Split('>', ':');
            return new Obligation(parts[0], parts[1], "ethereum", "USDC", long.Parse(parts[2]));
        }).ToList();
}
