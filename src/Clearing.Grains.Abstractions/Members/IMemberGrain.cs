using System.Text.Json.Serialization;
using Clearing.Actors;
using Clearing.Domain.Numerics;
using Clearing.Grains.Serialization;

namespace Clearing.Grains.Members;

/// <summary>
/// A clearing member (key = member id): the trading protocol that integrates over the API, the margin accounts it
/// owns, its API credentials (only a SHA-256 hash of each secret is kept) and its limits.
/// </summary>
[GrainType("member")]
public interface IMemberGrain : IGrainWithStringKey
{
    /// <summary>Creates the member, or updates its name and limits.</summary>
    Task<MemberView> RegisterAsync(RegisterMember command);

    /// <summary>Adds an account to the member's accounts; refused (with the reason) beyond its account limit.</summary>
    Task<MemberCommandResult> AddAccountAsync(string accountId);

    /// <summary>Stores (or rotates) an API key: the key id and the SHA-256 of its secret; the secret itself is never stored.</summary>
    Task AddCredentialAsync(string keyId, string secret);

    Task RevokeCredentialAsync(string keyId);

    /// <summary>Whether <paramref name="secret"/> is the secret of the member's live key <paramref name="keyId"/> (constant-time compare).</summary>
    Task<bool> VerifyCredentialAsync(string keyId, string secret);

    /// <summary>Whether an order of this notional (USD) is within the member's per-order limit.</summary>
    Task<MemberCommandResult> CheckOrderNotionalAsync(Fixed notionalUsd);

    Task<MemberView> GetAsync();
}

/// <param name="MaxAccounts">How many margin accounts the member may own.</param>
/// <param name="MaxOrderNotionalUsd">The largest notional of one order, USD.</param>
public sealed record MemberLimits(int MaxAccounts, [property: JsonConverter(typeof(FixedJsonConverter))] Fixed MaxOrderNotionalUsd);

public sealed record RegisterMember(string Name, MemberLimits Limits);

/// <summary>A member as others may see it: no credential material beyond key ids.</summary>
public sealed record MemberView(string MemberId, string Name, MemberLimits Limits, IReadOnlyList<string> Accounts, IReadOnlyList<string> CredentialKeyIds, bool Registered);

public sealed record MemberCommandResult(bool Accepted, string? Reason);
