using Clearing.Chains.Evm.Model;
using Clearing.Chains.Evm.Signing;

namespace Clearing.Chains.Evm.Tests;

public sealed class EvmKeyFileTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("clearing-evm-keys-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public void Create_writes_one_hex_line_readable_by_the_owner_only_and_returns_its_checksummed_address()
    {
        var path = Path.Combine(folder, "operator.key");

        var address = EvmKeyFile.Create(path);

        var content = File.ReadAllText(path);
        Assert.Matches("^0x[0-9a-f]{64}\n$", content);
        Assert.Equal(EvmPrivateKey.FromHex(content.Trim()).Address.ToChecksumString(), address);
        Assert.Equal(address, EvmAddress.Parse(address).ToChecksumString());
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }
    }

    [Fact]
    public void Show_returns_the_address_of_the_key_in_the_file()
    {
        var path = Path.Combine(folder, "operator.key");
        var created = EvmKeyFile.Create(path);

        Assert.Equal(created, EvmKeyFile.Show(path));
        Assert.Equal(created, EvmKeyFile.Load(path).Address.ToChecksumString());
    }

    [Fact]
    public void Show_reads_a_known_key_as_its_known_address()
    {
        var path = Path.Combine(folder, "known.key");
        File.WriteAllText(path, "0x0000000000000000000000000000000000000000000000000000000000000001\n");

        Assert.Equal("0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf", EvmKeyFile.Show(path));
    }

    [Fact]
    public void Create_refuses_to_overwrite_an_existing_file_and_leaves_it_untouched()
    {
        var path = Path.Combine(folder, "operator.key");
        EvmKeyFile.Create(path);
        var before = File.ReadAllText(path);

        Assert.Throws<InvalidOperationException>(() => EvmKeyFile.Create(path));
        Assert.Equal(before, File.ReadAllText(path));
    }

    [Fact]
    public void Two_created_keys_differ()
    {
        Assert.NotEqual(EvmKeyFile.Create(Path.Combine(folder, "a.key")), EvmKeyFile.Create(Path.Combine(folder, "b.key")));
    }

    [Theory]
    [InlineData("")]
    [InlineData("0x1234")]
    [InlineData("4646464646464646464646464646464646464646464646464646464646464646")]
    [InlineData("0x46464646464646464646464646464646464646464646464646464646464646zz")]
    [InlineData("0x0000000000000000000000000000000000000000000000000000000000000000")]
    [InlineData("0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141")]
    public void A_malformed_key_file_is_refused_without_echoing_its_content(string content)
    {
        var path = Path.Combine(folder, "bad.key");
        File.WriteAllText(path, content);

        var error = Assert.Throws<InvalidDataException>(() => EvmKeyFile.Show(path));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        if (content.Length > 10)
        {
            Assert.DoesNotContain(content[2..], error.Message, StringComparison.Ordinal);
        }
    }
}
