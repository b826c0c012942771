using System.Text.Json;

namespace Clearing.Chains.Solana.Signing;

/// <summary>
/// Key files in the Solana CLI format: a JSON array of 64 numbers, the 32-byte seed then the 32-byte public key.
/// Created with file mode 0600 and never overwritten; the secret is never logged or returned as text.
/// </summary>
public static class SolanaKeyFile
{
    /// <summary>Writes a new keypair to <paramref name="path"/> (mode 0600, refusing an existing file); returns the base58 public key.</summary>
    public static string Create(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var keypair = Keypair.Generate();
        var secret = keypair.ExportSecretKey();
        try
        {
            var numbers = secret.Select(b => (int)b).ToArray();
            var json = JsonSerializer.SerializeToUtf8Bytes(numbers);
            Array.Clear(numbers);
            var options = new FileStreamOptions
            {
                Mode = FileMode.CreateNew, // refuses to overwrite: an existing key may hold funds
                Access = FileAccess.Write,
                Share = FileShare.None,
            };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            using (var stream = new FileStream(path, options))
            {
                try
                {
                    stream.Write(json);
                    stream.Flush(flushToDisk: true);
                }
                catch
                {
                    // We created the file, so a half-written key is ours to remove; it must not pass for a key later.
                    stream.Dispose();
                    File.Delete(path);
                    throw;
                }
                finally
                {
                    Array.Clear(json);
                }
            }
        }
        finally
        {
            Array.Clear(secret);
        }

        return keypair.PublicKey.ToString();
    }

    /// <summary>Reads the key file and returns its base58 public key, after checking that the public half matches the seed.</summary>
    public static string Show(string path) => Load(path).PublicKey.ToString();

    public static Keypair Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var json = File.ReadAllBytes(path);
        int[]? numbers;
        try
        {
            numbers = JsonSerializer.Deserialize<int[]>(json);
        }
        catch (JsonException)
        {
            throw new InvalidDataException($"{path} is not a Solana key file (expected a JSON array of 64 numbers).");
        }
        finally
        {
            Array.Clear(json);
        }

        if (numbers is null || numbers.Length != 64 || numbers.Any(n => n is < 0 or > 255))
        {
            throw new InvalidDataException($"{path} is not a Solana key file (expected a JSON array of 64 numbers 0..255).");
        }

        var secret = numbers.Select(n => (byte)n).ToArray();
        Array.Clear(numbers);
        try
        {
            return Keypair.FromSecretKey(secret);
        }
        catch (ArgumentException)
        {
            throw new InvalidDataException($"{path}: the public key in the file does not belong to its seed.");
        }
        finally
        {
            Array.Clear(secret);
        }
    }
}
