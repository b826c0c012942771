using System.Collections.Frozen;
using Microsoft.Extensions.Configuration;

namespace Clearing.Server.Api;

/// <summary>What a credential may do: a member acts on its own accounts; an operator reads every account and member.</summary>
public enum ApiRole
{
    Member,
    Operator,
}

/// <summary>
/// One API key: the member it belongs to, its key id, the HMAC key (the secret's UTF-8 bytes, held in memory only:
/// an HMAC verifier must hold the key itself, see README) and the accounts the member owns.
/// </summary>
public sealed class ApiCredential(string memberId, string keyId, byte[] secret, ApiRole role, IReadOnlySet<string> accounts)
{
    public string MemberId { get; } = memberId;

    public string KeyId { get; } = keyId;

    public ApiRole Role { get; } = role;

    public IReadOnlySet<string> Accounts { get; } = accounts;

    internal byte[] Secret { get; } = secret;

    public bool Owns(string accountId) => Accounts.Contains(accountId);

    // Never print the secret, even by accident in a log line or a debugger display.
    public override string ToString() => $"{MemberId} ({KeyId}, {Role})";
}

/// <summary>A configuration problem that must stop the server before it serves anything (fail closed).</summary>
public sealed class ApiConfigurationException(string message) : Exception(message);

/// <summary>
/// The API's credentials, read once at startup from <c>Clearing:Members:&lt;memberId&gt;</c>:
/// <c>KeyId</c>, <c>SecretFile</c> (a path; the file holds the secret), <c>Role</c> (<c>member</c> by default or
/// <c>operator</c>) and <c>Accounts</c> (array of account ids the member owns).
/// </summary>
public sealed class ApiCredentialStore
{
    public const string Section = "Clearing:Members";

    private readonly FrozenDictionary<string, ApiCredential> byKeyId;

    public ApiCredentialStore(IEnumerable<ApiCredential> credentials)
    {
        var map = new Dictionary<string, ApiCredential>(StringComparer.Ordinal);
        foreach (var credential in credentials)
        {
            if (!map.TryAdd(credential.KeyId, credential))
            {
                throw new ApiConfigurationException($"API key id '{credential.KeyId}' is configured for more than one member ({map[credential.KeyId].MemberId}, {credential.MemberId}).");
            }
        }

        byKeyId = map.ToFrozenDictionary(StringComparer.Ordinal);
    }

    public IEnumerable<ApiCredential> All => byKeyId.Values;

    public ApiCredential? Find(string keyId) => byKeyId.GetValueOrDefault(keyId);

    /// <summary>Reads every member of <see cref="Section"/>; any missing key id, secret file or empty secret is an <see cref="ApiConfigurationException"/>.</summary>
    public static ApiCredentialStore FromConfiguration(IConfiguration configuration)
    {
        var credentials = new List<ApiCredential>();
        foreach (var member in configuration.GetSection(Section).GetChildren())
        {
            var where = $"{Section}:{member.Key}";
            var keyId = member["KeyId"];
            if (string.IsNullOrWhiteSpace(keyId))
            {
                throw new ApiConfigurationException($"{where}:KeyId is missing.");
            }

            var secretFile = member["SecretFile"];
            if (string.IsNullOrWhiteSpace(secretFile))
            {
                throw new ApiConfigurationException($"{where}:SecretFile is missing (the path of a file holding the member's API secret).");
            }

            if (!File.Exists(secretFile))
            {
                throw new ApiConfigurationException($"{where}:SecretFile '{secretFile}' does not exist: refusing to start without member {member.Key}'s secret.");
            }

            // Trailing newlines from `echo secret > file` are not part of the secret.
            var secret = File.ReadAllText(secretFile).TrimEnd('\r', '\n');
            if (secret.Length < MinimumSecretLength)
            {
                throw new ApiConfigurationException($"{where}:SecretFile '{secretFile}' holds a secret shorter than {MinimumSecretLength} characters.");
            }

            var role = member["Role"] switch
            {
                null or "" or "member" => ApiRole.Member,
                "operator" => ApiRole.Operator,
                var other => throw new ApiConfigurationException($"{where}:Role '{other}' is not 'member' or 'operator'."),
            };
            var accounts = member.GetSection("Accounts").GetChildren().Select(a => a.Value).OfType<string>().ToFrozenSet(StringComparer.Ordinal);
            credentials.Add(new ApiCredential(member.Key, keyId, System.Text.Encoding.UTF8.GetBytes(secret), role, accounts));
        }

        return new ApiCredentialStore(credentials);
    }

    /// <summary>16 characters: short secrets are guessable offline from one signed request.</summary>
    public const int MinimumSecretLength = 16;
}
