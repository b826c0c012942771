namespace Clearing.Domain.Assets;

/// <summary>
/// A chain's name ("ethereum", "arbitrum", "solana", ...): lower-case ASCII letters, digits and '-', at most
/// 32 characters. Compared ordinally.
/// </summary>
public readonly record struct ChainId
{
    public ChainId(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (name.Length > 32 || !name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-'))
        {
            throw new ArgumentException($"Chain id '{name}' must be 1..32 characters of a-z, 0-9 and '-'.", nameof(name));
        }

        Name = name;
    }

    public string Name { get; }

    public static ChainId Ethereum { get; } = new("ethereum");

    public static ChainId Arbitrum { get; } = new("arbitrum");

    public static ChainId Solana { get; } = new("solana");

    public override string ToString() => Name ?? "";
}
