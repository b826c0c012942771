using System.Security.Cryptography;
using System.Text;
using Clearing.Actors;
using Clearing.Chains;
using Clearing.Domain.Numerics;

namespace Clearing.Grains.Members;

public sealed record MemberState
{
    public string Name { get; init; } = "";

    public MemberLimits Limits { get; init; } = new(0, Fixed.Zero);

    public IReadOnlyList<string> Accounts { get; init; } = [];

    /// <summary>Key id → lowercase hex SHA-256 of the secret.</summary>
    public IReadOnlyDictionary<string, string> CredentialHashes { get; init; } = new Dictionary<string, string>();
}

/// <summary>
/// A clearing member. API secrets are random high-entropy keys (not passwords), so one SHA-256 is the right hash: the
/// database never holds a usable secret, and verification is a constant-time comparison.
/// </summary>
public sealed class MemberGrain([PersistentState("member")] IPersistentState<MemberState> state) : Grain, IMemberGrain
{
    private string MemberId => this.GetPrimaryKeyString();

    public async Task<MemberView> RegisterAsync(RegisterMember command)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentException.ThrowIfNullOrWhiteSpace(command.Name);
        ArgumentOutOfRangeException.ThrowIfNegative(command.Limits.MaxAccounts);
        if (command.Limits.MaxOrderNotionalUsd.IsNegative)
        {
            throw new ArgumentOutOfRangeException(nameof(command), "The order notional limit cannot be negative.");
        }

        state.State = state.State with { Name = command.Name, Limits = command.Limits };
        await state.WriteStateAsync();
        return View();
    }

    public async Task<MemberCommandResult> AddAccountAsync(string accountId)
    {
        if (!AccountIdCodec.IsValid(accountId))
        {
            return new MemberCommandResult(false, $"'{accountId}' is not a valid account id");
        }

        EnsureRegistered();
        if (state.State.Accounts.Contains(accountId, StringComparer.Ordinal))
        {
            return new MemberCommandResult(true, null);
        }

        if (state.State.Accounts.Count >= state.State.Limits.MaxAccounts)
        {
            return new MemberCommandResult(false, $"member {MemberId} already owns {state.State.Accounts.Count} accounts, its limit");
        }

        state.State = state.State with { Accounts = [.. state.State.Accounts, accountId] };
        await state.WriteStateAsync();
        return new MemberCommandResult(true, null);
    }

    public async Task AddCredentialAsync(string keyId, string secret)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(keyId);
        ArgumentException.ThrowIfNullOrEmpty(secret);
        EnsureRegistered();
        state.State = state.State with { CredentialHashes = new Dictionary<string, string>(state.State.CredentialHashes) { [keyId] = Hash(secret) } };
        await state.WriteStateAsync();
    }

    public async Task RevokeCredentialAsync(string keyId)
    {
        if (!state.State.CredentialHashes.ContainsKey(keyId))
        {
            return;
        }

        state.State = state.State with { CredentialHashes = state.State.CredentialHashes.Where(c => c.Key != keyId).ToDictionary() };
        await state.WriteStateAsync();
    }

    public Task<bool> VerifyCredentialAsync(string keyId, string secret) =>
        Task.FromResult(
            state.State.CredentialHashes.TryGetValue(keyId, out var stored)
            && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(stored), Encoding.ASCII.GetBytes(Hash(secret ?? ""))));

    public Task<MemberCommandResult> CheckOrderNotionalAsync(Fixed notionalUsd) =>
        Task.FromResult(!state.RecordExists
            ? new MemberCommandResult(false, $"member {MemberId} is not registered")
            : notionalUsd.Abs() > state.State.Limits.MaxOrderNotionalUsd
                ? new MemberCommandResult(false, $"order notional {notionalUsd.Abs()} USD exceeds the member's limit of {state.State.Limits.MaxOrderNotionalUsd} USD")
                : new MemberCommandResult(true, null));

    public Task<MemberView> GetAsync() => Task.FromResult(View());

    private MemberView View() => new(
        MemberId,
        state.State.Name,
        state.State.Limits,
        state.State.Accounts,
        [.. state.State.CredentialHashes.Keys.Order(StringComparer.Ordinal)],
        state.RecordExists);

    private void EnsureRegistered()
    {
        if (!state.RecordExists)
        {
            throw new InvalidOperationException($"Member {MemberId} is not registered.");
        }
    }

    private static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));
}
