using Clearing.Chains.Solana.Encoding;
using Clearing.Chains.Solana.Rpc;

namespace Clearing.Oracles.Sources;

/// <summary>
/// A Solana account in the <see cref="SolanaPriceAccount"/> layout, read with getAccountInfo at a commitment.
/// The account must be owned by the configured publisher program (anyone can create an account with these bytes;
/// only the publisher's program can write into its own) and name the configured asset.
/// Refused: missing account, wrong owner, layout errors, status other than trading, price ≤ 0.
/// </summary>
public sealed class SolanaPriceAccountSource : IPriceSource
{
    private readonly SolanaRpcClient rpc;
    private readonly Commitment commitment;

    public SolanaPriceAccountSource(string name, string asset, SolanaRpcClient rpc, PublicKey account, PublicKey publisherProgram, Commitment commitment)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentException.ThrowIfNullOrEmpty(asset);
        this.rpc = rpc ?? throw new ArgumentNullException(nameof(rpc));
        Name = name;
        Asset = asset;
        Account = account;
        PublisherProgram = publisherProgram;
        this.commitment = commitment;
    }

    public string Name { get; }

    public string Asset { get; }

    public PublicKey Account { get; }

    public PublicKey PublisherProgram { get; }

    public async Task<PriceReading> ReadAsync(CancellationToken cancellationToken = default)
    {
        var result = await rpc.GetAccountInfoAsync(Account, commitment, cancellationToken).ConfigureAwait(false);
        if (result.Failure is { } failure)
        {
            return Fail($"getAccountInfo failed: {failure}");
        }

        if (result.Value.Value is not { } info)
        {
            return Fail($"account does not exist at {commitment} (slot {result.Value.Slot})");
        }

        if (info.Owner != PublisherProgram)
        {
            return Fail($"account is owned by {info.Owner}, not the publisher program {PublisherProgram}");
        }

        return Interpret(info.Data);
    }

    /// <summary>The checks of one account's data, separate from IO so tests can table them.</summary>
    public PriceReading Interpret(ReadOnlySpan<byte> data)
    {
        if (!SolanaPriceAccount.TryDecode(data, out var account, out var error))
        {
            return Fail(error!);
        }

        if (!string.Equals(account!.Asset, Asset, StringComparison.Ordinal))
        {
            return Fail($"account prices {account.Asset}, not {Asset}");
        }

        if (account.Status != SolanaPriceAccount.StatusTrading)
        {
            return Fail($"status {account.Status} is not trading ({SolanaPriceAccount.StatusTrading})");
        }

        if (account.PriceMantissa <= 0)
        {
            return Fail($"price mantissa {account.PriceMantissa} is not positive");
        }

        return PriceReading.Of(new PriceObservation(Asset, account.Price, account.Confidence, account.PublishTime, Name));
    }

    private PriceReading Fail(string reason) => PriceReading.Failed(Name, Asset, $"account {Account}: {reason}");
}
