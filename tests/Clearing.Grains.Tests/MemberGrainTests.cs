using Clearing.Domain.Numerics;
using Clearing.Grains.Members;

namespace Clearing.Grains.Tests;

/// <summary>The member grain on SQLite (its state is plain grain state; the storage itself is held to the conformance suite).</summary>
public sealed class MemberGrainTests : IAsyncLifetime
{
    private readonly SqliteTestDatabases databases = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => databases.DisposeAsync().AsTask();

    private static readonly MemberLimits Limits = new(MaxAccounts: 2, MaxOrderNotionalUsd: Fixed.FromInt(50_000));

    [Fact]
    public async Task Credentials_are_kept_as_hashes_and_verified_until_revoked()
    {
        var database = await databases.CreateAsync();
        await using var host = await GrainTestHost.StartAsync(database);
        var member = host.Grains.GetGrain<IMemberGrain>("perp-dex");
        await member.RegisterAsync(new RegisterMember("Perp DEX", Limits));

        await member.AddCredentialAsync("key-1", "s3cret-high-entropy");

        Assert.True(await member.VerifyCredentialAsync("key-1", "s3cret-high-entropy"));
        Assert.False(await member.VerifyCredentialAsync("key-1", "s3cret-high-entropY"));
        Assert.False(await member.VerifyCredentialAsync("key-2", "s3cret-high-entropy"));
        var stored = await database.ReadAsync(async connection =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT state_json FROM grain_state WHERE grain_type = 'member'";
            return (string)(await command.ExecuteScalarAsync())!;
        });
        Assert.DoesNotContain("s3cret", stored, StringComparison.Ordinal);

        await member.RevokeCredentialAsync("key-1");

        Assert.False(await member.VerifyCredentialAsync("key-1", "s3cret-high-entropy"));
        Assert.Empty((await member.GetAsync()).CredentialKeyIds);
    }

    [Fact]
    public async Task Accounts_beyond_the_limit_are_refused_and_ownership_survives_a_restart()
    {
        var database = await databases.CreateAsync();
        await using (var host = await GrainTestHost.StartAsync(database, "host-1"))
        {
            var member = host.Grains.GetGrain<IMemberGrain>("perp-dex");
            await member.RegisterAsync(new RegisterMember("Perp DEX", Limits));
            Assert.True((await member.AddAccountAsync("alice")).Accepted);
            Assert.True((await member.AddAccountAsync("bob")).Accepted);

            var third = await member.AddAccountAsync("carol");

            Assert.False(third.Accepted);
            Assert.Contains("already owns 2 accounts", third.Reason, StringComparison.Ordinal);
            Assert.False((await member.AddAccountAsync("not valid!")).Accepted);
        }

        await using var restarted = await GrainTestHost.StartAsync(database, "host-2");
        var view = await restarted.Grains.GetGrain<IMemberGrain>("perp-dex").GetAsync();
        Assert.Equal(["alice", "bob"], view.Accounts);
        Assert.Equal(Limits, view.Limits);
    }

    [Theory]
    [InlineData("50000", true)]
    [InlineData("-50000", true)]
    [InlineData("50000.000000000000000001", false)]
    public async Task Order_notional_is_checked_against_the_member_limit(string notional, bool accepted)
    {
        var database = await databases.CreateAsync();
        await using var host = await GrainTestHost.StartAsync(database);
        var member = host.Grains.GetGrain<IMemberGrain>("perp-dex");
        await member.RegisterAsync(new RegisterMember("Perp DEX", Limits));

        var result = await member.CheckOrderNotionalAsync(Fixed.Parse(notional));

        Assert.Equal(accepted, result.Accepted);
    }

    [Fact]
    public async Task Unregistered_member_has_no_order_allowance()
    {
        var database = await databases.CreateAsync();
        await using var host = await GrainTestHost.StartAsync(database);

        var result = await host.Grains.GetGrain<IMemberGrain>("nobody").CheckOrderNotionalAsync(Fixed.One);

        Assert.False(result.Accepted);
        Assert.Contains("not registered", result.Reason, StringComparison.Ordinal);
    }
}
