using System.Text.Json;
using Clearing.Chains.Solana.Signing;

namespace Clearing.Chains.Solana.Tests.Signing;

public sealed class SolanaKeyFileTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("clearing-keyfile-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public void Create_writes_64_numbers_seed_then_public_key_and_Show_reads_the_same_address()
    {
        var path = Path.Combine(folder, "vault.json");
        var address = SolanaKeyFile.Create(path);

        var numbers = JsonSerializer.Deserialize<int[]>(File.ReadAllText(path))!;
        Assert.Equal(64, numbers.Length);
        var secret = numbers.Select(n => (byte)n).ToArray();
        var fromSeed = Keypair.FromSeed(secret[..32]);
        Assert.Equal(fromSeed.PublicKey.ToByteArray(), secret[32..]);
        Assert.Equal(fromSeed.PublicKey.ToString(), address);
        Assert.Equal(address, SolanaKeyFile.Show(path));
        Assert.Equal(address, SolanaKeyFile.Load(path).PublicKey.ToString());
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // Unix file modes; the service runs on Linux
    public void Create_gives_the_file_mode_0600()
    {
        var path = Path.Combine(folder, "mode.json");
        SolanaKeyFile.Create(path);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }

    [Fact]
    public void Create_refuses_to_overwrite_an_existing_file()
    {
        var path = Path.Combine(folder, "existing.json");
        var first = SolanaKeyFile.Create(path);
        var before = File.ReadAllBytes(path);

        Assert.Throws<IOException>(() => SolanaKeyFile.Create(path));
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal(first, SolanaKeyFile.Show(path));
    }

    [Fact]
    public void Show_rejects_a_file_whose_public_half_does_not_match_its_seed()
    {
        var path = Path.Combine(folder, "tampered.json");
        SolanaKeyFile.Create(path);
        var numbers = JsonSerializer.Deserialize<int[]>(File.ReadAllText(path))!;
        numbers[63] ^= 1;
        File.WriteAllText(path, JsonSerializer.Serialize(numbers));

        Assert.Throws<InvalidDataException>(() => SolanaKeyFile.Show(path));
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[1,2,3]")]
    [InlineData("{\"seed\":1}")]
    public void Show_rejects_files_that_are_not_64_byte_arrays(string content)
    {
        var path = Path.Combine(folder, "bad.json");
        File.WriteAllText(path, content);
        Assert.Throws<InvalidDataException>(() => SolanaKeyFile.Show(path));
    }

    [Fact]
    public void Show_rejects_numbers_outside_a_byte()
    {
        var path = Path.Combine(folder, "range.json");
        File.WriteAllText(path, JsonSerializer.Serialize(Enumerable.Repeat(256, 64)));
        Assert.Throws<InvalidDataException>(() => SolanaKeyFile.Show(path));
    }
}
