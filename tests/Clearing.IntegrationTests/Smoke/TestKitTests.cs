using Clearing.TestKit;

namespace Clearing.IntegrationTests.Smoke;

public sealed class TestKitTests
{
    [Fact]
    public void Missing_server_binaries_fail_with_a_message_naming_them_and_the_install_step()
    {
        var empty = Directory.CreateTempSubdirectory("no-postgres-").FullName;
        try
        {
            var error = Assert.Throws<MissingPrerequisiteException>(() => PostgresServer.FindServerBinaries([empty]));
            Assert.Contains("initdb", error.Message, StringComparison.Ordinal);
            Assert.Contains("apt-get install -y postgresql", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(empty);
        }
    }
}
