using Microsoft.Extensions.Configuration;

namespace Clearing.Server.Chains;

/// <summary>
/// The settings every chain family's section shares (the node's URL, the signing key's file), read the same way for
/// each so their problems read alike; each problem is reported through <c>problem</c> and the value comes back null.
/// </summary>
internal static class ChainSectionReader
{
    /// <summary><c>RpcUrl</c>: required, an absolute http(s) URL.</summary>
    public static Uri? ReadRpcUrl(IConfigurationSection section, Action<string> problem)
    {
        var rpcText = section["RpcUrl"];
        if (string.IsNullOrWhiteSpace(rpcText))
        {
            problem("RpcUrl is missing");
            return null;
        }

        if (!Uri.TryCreate(rpcText, UriKind.Absolute, out var rpcUrl) || (rpcUrl.Scheme != Uri.UriSchemeHttp && rpcUrl.Scheme != Uri.UriSchemeHttps))
        {
            problem($"RpcUrl '{rpcText}' is not an http(s) URL");
            return null;
        }

        return rpcUrl;
    }

    /// <summary>
    /// A required key file named by <paramref name="key"/>, loaded with <paramref name="load"/>;
    /// <paramref name="missingHint"/> tells the operator where such a file comes from.
    /// </summary>
    public static T? ReadKeyFile<T>(IConfigurationSection section, string key, string missingHint, Func<string, T> load, Action<string> problem)
        where T : class
    {
        var keyFile = section[key];
        if (string.IsNullOrWhiteSpace(keyFile))
        {
            problem($"{key} is missing ({missingHint})");
            return null;
        }

        if (!File.Exists(keyFile))
        {
            problem($"{key} '{keyFile}' does not exist");
            return null;
        }

        try
        {
            return load(keyFile);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            // The key file readers' messages name the file and the expected shape, never the content.
            problem(e.Message);
            return null;
        }
    }
}
