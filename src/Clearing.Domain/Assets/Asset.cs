using Clearing.Domain.Numerics;

namespace Clearing.Domain.Assets;

/// <summary>An asset by symbol ("USDC", "SOL") with the number of decimals of its base unit.</summary>
public sealed record Asset
{
    public Asset(string symbol, int decimals)
    {
        ArgumentException.ThrowIfNullOrEmpty(symbol);
        TokenAmounts.ValidateDecimals(decimals);
        Symbol = symbol;
        Decimals = decimals;
    }

    public string Symbol { get; }

    public int Decimals { get; }

    public override string ToString() => Symbol;
}

/// <summary>Where a balance lives: an asset held on one chain (USDC on ethereum is not USDC on solana).</summary>
public readonly record struct AssetKey(ChainId Chain, string Asset)
{
    public override string ToString() => $"{Chain}:{Asset}";
}
