using System.Numerics;

namespace Clearing.Domain.Netting;

/// <summary>
/// Multilateral netting between clearing members: gross obligations in, one net amount per member per
/// (chain, asset) and the fewest settlement transfers per (chain, asset) out. Pure and deterministic.
/// </summary>
/// <remarks>
/// <para>
/// Why the transfer count is minimal: settling nets v₁..vₙ (all non-zero, Σ = 0) with transfers is a flow on a
/// graph whose every connected component must itself sum to zero, and a connected component of k members needs
/// at least k − 1 transfers. So the minimum is n − (the largest number of disjoint zero-sum groups the members
/// can be split into), and any split into zero-sum groups reaches it by settling each group with
/// "largest debtor pays largest creditor" (which needs exactly |group| − 1 transfers, since every step settles
/// at least one member and the last step settles two).
/// </para>
/// <para>
/// Finding the largest zero-sum split is NP-hard in general (it contains subset-sum), so:
/// a member whose net exactly offsets another's is paired first (always part of some optimal split), then
/// the remaining members are split exactly by dynamic programming over subsets when there are at most
/// <see cref="ExactSearchMaxMembers"/> of them (2^16 states), and otherwise settled as one group, which still
/// guarantees at most n − 1 transfers per (chain, asset).
/// </para>
/// </remarks>
public static class MultilateralNetting
{
    /// <summary>Up to this many non-zero members per (chain, asset) the split into zero-sum groups is exact (2^16 subsets).</summary>
    public const int ExactSearchMaxMembers = 16;

    /// <summary>Nets <paramref name="obligations"/>. Throws <see cref="ArgumentException"/> for a non-positive amount, a blank field or a member owing itself.</summary>
    public static NettingResult Net(IEnumerable<Obligation> obligations)
    {
        ArgumentNullException.ThrowIfNull(obligations);
        var netsByKey = new SortedDictionary<(string Chain, string Asset), SortedDictionary<string, Int128>>(ChainAssetComparer.Instance);
        foreach (var obligation in obligations)
        {
            Validate(obligation);
            var key = (obligation.Chain, obligation.Asset);
            if (!netsByKey.TryGetValue(key, out var members))
            {
                members = new SortedDictionary<string, Int128>(StringComparer.Ordinal);
                netsByKey.Add(key, members);
            }

            members[obligation.Payer] = checked(members.GetValueOrDefault(obligation.Payer) - obligation.Amount);
            members[obligation.Payee] = checked(members.GetValueOrDefault(obligation.Payee) + obligation.Amount);
        }

        var nets = new List<NetPosition>();
        var transfers = new List<SettlementTransfer>();
        foreach (var ((chain, asset), members) in netsByKey)
        {
            var names = new List<string>();
            var amounts = new List<Int128>();
            foreach (var (member, amount) in members)
            {
                if (amount == Int128.Zero)
                {
                    continue;
                }

                names.Add(member);
                amounts.Add(amount);
                nets.Add(new NetPosition(member, chain, asset, amount));
            }

            var settled = Settle(amounts.ToArray());
            settled.Sort((a, b) =>
            {
                var byPayer = string.CompareOrdinal(names[a.Payer], names[b.Payer]);
                return byPayer != 0 ? byPayer : string.CompareOrdinal(names[a.Payee], names[b.Payee]);
            });
            foreach (var (payer, payee, amount) in settled)
            {
                transfers.Add(new SettlementTransfer(names[payer], names[payee], chain, asset, amount));
            }
        }

        return new NettingResult(nets, transfers);
    }

    /// <summary>
    /// Transfers (payer index, payee index, amount &gt; 0) that settle <paramref name="nets"/> (all non-zero,
    /// summing to zero; positive = receives) with the fewest transfers this class can prove (see remarks).
    /// </summary>
    internal static List<(int Payer, int Payee, Int128 Amount)> Settle(Int128[] nets)
    {
        var total = Int128.Zero;
        foreach (var net in nets)
        {
            total = checked(total + net);
        }

        if (total != Int128.Zero)
        {
            throw new ArgumentException("Nets must sum to zero.", nameof(nets));
        }

        var transfers = new List<(int, int, Int128)>();
        var unpaired = PairExactOpposites(nets, transfers);
        foreach (var group in SplitIntoZeroSumGroups(nets, unpaired))
        {
            SettleGroupLargestFirst(nets, group, transfers);
        }

        return transfers;
    }

    private static List<int> PairExactOpposites(Int128[] nets, List<(int, int, Int128)> transfers)
    {
        var waitingByAmount = new Dictionary<Int128, Stack<int>>();
        var paired = new bool[nets.Length];
        for (var i = 0; i < nets.Length; i++)
        {
            if (waitingByAmount.TryGetValue(-nets[i], out var opposite) && opposite.Count > 0)
            {
                var j = opposite.Pop();
                paired[i] = paired[j] = true;
                var (payer, payee) = nets[i] < 0 ? (i, j) : (j, i);
                transfers.Add((payer, payee, Int128.Abs(nets[i])));
                continue;
            }

            if (!waitingByAmount.TryGetValue(nets[i], out var same))
            {
                same = new Stack<int>();
                waitingByAmount.Add(nets[i], same);
            }

            same.Push(i);
        }

        var unpaired = new List<int>();
        for (var i = 0; i < nets.Length; i++)
        {
            if (!paired[i])
            {
                unpaired.Add(i);
            }
        }

        return unpaired;
    }

    /// <summary>
    /// The largest split of <paramref name="members"/> into zero-sum groups when small enough for the exact search,
    /// else one group. Exact search: best[mask] = the most zero-sum prefixes over all orderings of mask, and the
    /// zero-sum masks met while walking the best ordering back from the full set delimit the groups.
    /// </summary>
    private static List<List<int>> SplitIntoZeroSumGroups(Int128[] nets, List<int> members)
    {
        var n = members.Count;
        if (n == 0)
        {
            return [];
        }

        if (n > ExactSearchMaxMembers)
        {
            return [members];
        }

        var states = 1 << n;
        var sums = new Int128[states];
        var best = new byte[states];
        for (var mask = 1; mask < states; mask++)
        {
            var lowest = BitOperations.TrailingZeroCount(mask);
            sums[mask] = sums[mask & (mask - 1)] + nets[members[lowest]];
            var most = 0;
            for (var rest = mask; rest != 0; rest &= rest - 1)
            {
                most = Math.Max(most, best[mask & ~(rest & -rest)]);
            }

            best[mask] = (byte)(most + (sums[mask] == Int128.Zero ? 1 : 0));
        }

        var groups = new List<List<int>>();
        var current = states - 1;
        var groupStart = current;
        while (current != 0)
        {
            var target = best[current] - (sums[current] == Int128.Zero ? 1 : 0);
            var next = current;
            for (var rest = current; rest != 0; rest &= rest - 1)
            {
                var candidate = current & ~(rest & -rest);
                if (best[candidate] == target)
                {
                    next = candidate;
                    break;
                }
            }

            current = next;
            if (sums[current] == Int128.Zero)
            {
                groups.Add(MembersOf(groupStart ^ current, members));
                groupStart = current;
            }
        }

        return groups;
    }

    private static List<int> MembersOf(int mask, List<int> members)
    {
        var result = new List<int>();
        for (var rest = mask; rest != 0; rest &= rest - 1)
        {
            result.Add(members[BitOperations.TrailingZeroCount(rest)]);
        }

        return result;
    }

    /// <summary>Largest debtor pays largest creditor until the zero-sum group is settled: |group| − 1 transfers at most.</summary>
    private static void SettleGroupLargestFirst(Int128[] nets, List<int> group, List<(int, int, Int128)> transfers)
    {
        var debtors = group.Where(i => nets[i] < 0).OrderBy(i => nets[i]).ThenBy(i => i).ToList();
        var creditors = group.Where(i => nets[i] > 0).OrderByDescending(i => nets[i]).ThenBy(i => i).ToList();
        var owed = debtors.Select(i => -nets[i]).ToArray();
        var due = creditors.Select(i => nets[i]).ToArray();
        int d = 0, c = 0;
        while (d < debtors.Count && c < creditors.Count)
        {
            var amount = Int128.Min(owed[d], due[c]);
            transfers.Add((debtors[d], creditors[c], amount));
            owed[d] -= amount;
            due[c] -= amount;
            if (owed[d] == Int128.Zero)
            {
                d++;
            }

            if (due[c] == Int128.Zero)
            {
                c++;
            }
        }
    }

    private static void Validate(Obligation obligation)
    {
        ArgumentNullException.ThrowIfNull(obligation);
        if (string.IsNullOrWhiteSpace(obligation.Payer) || string.IsNullOrWhiteSpace(obligation.Payee)
            || string.IsNullOrWhiteSpace(obligation.Chain) || string.IsNullOrWhiteSpace(obligation.Asset))
        {
            throw new ArgumentException($"Obligation {obligation} has a blank payer, payee, chain or asset.", nameof(obligation));
        }

        if (obligation.Amount <= Int128.Zero)
        {
            throw new ArgumentException($"Obligation {obligation} must have a positive amount (base units).", nameof(obligation));
        }

        if (string.Equals(obligation.Payer, obligation.Payee, StringComparison.Ordinal))
        {
            throw new ArgumentException($"Obligation {obligation} has the same member as payer and payee.", nameof(obligation));
        }
    }

    private sealed class ChainAssetComparer : IComparer<(string Chain, string Asset)>
    {
        public static readonly ChainAssetComparer Instance = new();

        public int Compare((string Chain, string Asset) x, (string Chain, string Asset) y)
        {
            var byChain = string.CompareOrdinal(x.Chain, y.Chain);
            return byChain != 0 ? byChain : string.CompareOrdinal(x.Asset, y.Asset);
        }
    }
}
