namespace Clearing.Chains.Evm.Signing;

/// <summary>
/// An operator key file: one line holding the private key as 0x + 64 hex digits, readable by its owner only
/// (mode 0600). Operators need the address to grant vault roles, so both operations return it; neither ever
/// prints or logs the key.
/// </summary>
public static class EvmKeyFile
{
    private const UnixFileMode OwnerReadWrite = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>
    /// Writes a new random key to <paramref name="path"/> and returns its EIP-55 address. Refuses to overwrite an
    /// existing file (an operator key that is overwritten is a key lost).
    /// </summary>
    public static string Create(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var key = EvmPrivateKey.Generate();
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            Share = FileShare.None,
        };
        if (!OperatingSystem.IsWindows())
        {
            // Created with 0600 from the start, so the key is never readable by others, not even briefly.
            options.UnixCreateMode = OwnerReadWrite;
        }

        try
        {
            using var stream = new FileStream(path, options);
            using var writer = new StreamWriter(stream);
            writer.Write(key.ExportHex());
            writer.Write('\n');
        }
        catch (IOException) when (File.Exists(path))
        {
            throw new InvalidOperationException($"Key file '{path}' already exists; refusing to overwrite it.");
        }

        return key.Address.ToChecksumString();
    }

    /// <summary>Reads the key file at <paramref name="path"/> and returns the EIP-55 address of its key.</summary>
    public static string Show(string path) => Load(path).Address.ToChecksumString();

    /// <summary>Loads the key (for the executor that signs with it).</summary>
    public static EvmPrivateKey Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var text = File.ReadAllText(path).Trim();
        if (text.Length != 66 || !text.StartsWith("0x", StringComparison.Ordinal) || !text.AsSpan(2).ContainsOnlyHexDigits())
        {
            // The message names the expected shape only; echoing the content could print a key.
            throw new InvalidDataException($"Key file '{path}' is malformed: expected one line of 0x followed by 64 hex digits.");
        }

        try
        {
            return EvmPrivateKey.FromHex(text);
        }
        catch (ArgumentException)
        {
            throw new InvalidDataException($"Key file '{path}' does not hold a valid secp256k1 private key (zero or not below the curve order).");
        }
    }

    private static bool ContainsOnlyHexDigits(this ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (!char.IsAsciiHexDigit(c))
            {
                return false;
            }
        }

        return true;
    }
}
