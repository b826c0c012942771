using System.Numerics;
using System.Text.Json;
using Clearing.Chains.Evm;
using Clearing.Chains.Evm.Abi;
using Clearing.Chains.Evm.Execution;
using Clearing.Chains.Evm.Model;
using Clearing.Chains.Evm.Rpc;
using Clearing.Chains.Evm.Signing;
using Clearing.Chains.Evm.Vault;
using Clearing.Chains.Solana.Encoding;
using Clearing.Chains.Solana.Programs;
using Clearing.Chains.Solana.Rpc;
using Clearing.Chains.Solana.Signing;
using Clearing.Server.Cli;

namespace Clearing.Server.Demo;

/// <summary>
/// One EVM chain as deployed: its vault, its one collateral token, the operator key file, where seized collateral goes,
/// and the Chainlink-style USD price feed of its token when it has one (the test aggregator of contracts/evm, 8 decimals).
/// </summary>
public sealed record DeployedEvmChain(
    LocalEvmChain Chain,
    EvmAddress Vault,
    ulong DeploymentBlock,
    string Asset,
    byte Decimals,
    EvmAddress Token,
    string OperatorKeyFile,
    EvmAddress LiquidationReceiver,
    EvmAddress? PriceFeed);

/// <summary>The Solana custody as set up: vault authority (its key file), the USDC-like mint, the vault token account and the receiver of seizures.</summary>
public sealed record DeployedSolana(
    Uri RpcUrl,
    string AuthorityKeyFile,
    PublicKey Authority,
    string Asset,
    byte Decimals,
    PublicKey Mint,
    PublicKey VaultTokenAccount,
    PublicKey LiquidationReceiver,
    PublicKey LiquidationReceiverTokenAccount);

/// <summary>A depositor's own keys: on EVM it signs approve and deposit, on Solana the transfer with its memo.</summary>
public sealed record DemoUser(string Account, string Chain, EvmPrivateKey? EvmKey, Keypair? SolanaKey);

/// <summary>Everything the demo deployed: both EVM chains, the Solana custody and the three users funded with test tokens.</summary>
public sealed record DemoDeployment(DeployedEvmChain ChainA, DeployedEvmChain ChainB, DeployedSolana Solana, IReadOnlyList<DemoUser> Users)
{
    public IReadOnlyList<DeployedEvmChain> EvmChains => [ChainA, ChainB];

    public DeployedEvmChain Evm(string chain) => EvmChains.Single(c => c.Chain.Name == chain);

    public DemoUser User(string account) => Users.Single(u => u.Account == account);
}

/// <summary>
/// Deploys what the demo runs on, the way an operator would with <c>clearing vault deploy</c> and <c>clearing vault init</c>:
/// on each anvil a fresh operator key (funded from anvil's public faucet key) deploys a test token and the ClearingVault
/// with itself as admin and operator; on the Solana devnet a fresh vault authority gets its token account of a fresh
/// 6-decimal mint. Each user gets its own key, gas money and test tokens.
/// </summary>
public static class DemoDeployer
{
    public const string UsdcAsset = "USDC";
    public const string WethAsset = "WETH";
    private const ulong TenSolLamports = 10_000_000_000;
    private static readonly TimeSpan ReceiptDeadline = TimeSpan.FromSeconds(60);
    /// <summary>Decimals of the price feeds' answers (USD × 10^8, as Chainlink's USD feeds).</summary>
    public const byte FeedDecimals = 8;

    private static readonly AbiFunction TestTokenMint = AbiFunction.Parse("mint(address to, uint256 amount)");
    private static readonly AbiFunction SetAnswer = AbiFunction.Parse("setAnswer(int256 answer, uint256 updatedAt)");

    /// <summary>Deploys both EVM chains and the Solana custody and funds <paramref name="users"/> (account, chain, whole tokens to hold).</summary>
    public static async Task<DemoDeployment> DeployAsync(
        LocalChains chains, string repositoryRoot, string folder, IReadOnlyList<(string Account, string Chain, BigInteger Units)> users, CancellationToken cancellationToken)
    {
        using var http = new HttpClient();
        var a = DeployEvmAsync(http, chains.ChainA, repositoryRoot, folder, UsdcAsset, 6, null, cancellationToken);
        var b = DeployEvmAsync(http, chains.ChainB, repositoryRoot, folder, WethAsset, 18, DemoScenario.WethPriceBefore, cancellationToken);
        var solanaClient = new SolanaRpcClient(http, chains.SolanaRpcUrl);
        var issuer = Keypair.Generate();
        var solana = DeploySolanaAsync(solanaClient, chains.SolanaRpcUrl, issuer, folder, cancellationToken);
        var deployment = new DemoDeployment(await a, await b, await solana, []);
        var funded = new List<DemoUser>();
        foreach (var (account, chain, units) in users)
        {
            funded.Add(chain == LocalChains.SolanaName
                ? await FundSolanaUserAsync(solanaClient, deployment.Solana, issuer, account, (ulong)units, cancellationToken)
                : await FundEvmUserAsync(http, deployment.Evm(chain), account, units, cancellationToken));
        }

        return deployment with { Users = funded };
    }

    public static EvmTransactionSender Sender(HttpClient http, LocalEvmChain chain, EvmPrivateKey key) =>
        new(new EvmRpcClient(http, chain.RpcUrl), key, chain.ChainId);

    /// <summary>
    /// Publishes <paramref name="usd"/> (whole dollars) as the feed's new round, updated now. The test aggregator takes
    /// answers from anyone; anvil's faucet key sends it, standing in for the feed's publisher.
    /// </summary>
    public static async Task<string> PublishPriceAsync(HttpClient http, DeployedEvmChain chain, int usd, CancellationToken cancellationToken)
    {
        var feed = chain.PriceFeed ?? throw new InvalidOperationException($"{chain.Chain.Name} has no price feed.");
        var answer = usd * BigInteger.Pow(10, FeedDecimals);
        var receipt = await Sender(http, chain.Chain, EvmPrivateKey.FromHex(LocalChains.AnvilFaucetKey))
            .SendAndWaitAsync(feed, SetAnswer.EncodeCall(answer, new BigInteger(DateTimeOffset.UtcNow.ToUnixTimeSeconds())), 0, ReceiptDeadline, cancellationToken);
        return receipt.TransactionHash.ToString();
    }

    private static async Task<DeployedEvmChain> DeployEvmAsync(
        HttpClient http, LocalEvmChain chain, string root, string folder, string asset, byte decimals, int? usdPrice, CancellationToken cancellationToken)
    {
        var operatorKeyFile = Path.Combine(folder, $"{chain.Name}-operator.key");
        EvmKeyFile.Create(operatorKeyFile);
        var operatorKey = EvmKeyFile.Load(operatorKeyFile);
        var faucet = Sender(http, chain, EvmPrivateKey.FromHex(LocalChains.AnvilFaucetKey));
        await faucet.SendAndWaitAsync(operatorKey.Address, [], BigInteger.Pow(10, 20), ReceiptDeadline, cancellationToken);

        var operatorSender = Sender(http, chain, operatorKey);
        var tokenName = asset == UsdcAsset ? "USD Coin (demo)" : "Wrapped Ether (demo)";
        byte[] tokenCreation = [.. Bytecode(root, "TestToken"), .. AbiCodec.Encode("string,string,uint8", tokenName, asset, decimals)];
        var token = (await operatorSender.SendAndWaitAsync(null, tokenCreation, 0, ReceiptDeadline, cancellationToken)).ContractAddress
            ?? throw new InvalidOperationException($"{chain.Name}: the {asset} deployment created no contract.");
        var vault = await VaultDeployment.DeployAsync(operatorSender, Bytecode(root, "ClearingVault"), new VaultDeploymentPlan([token], [operatorKey.Address], []), cancellationToken);
        var deployed = new DeployedEvmChain(chain, vault.Address, vault.DeploymentBlock, asset, decimals, token, operatorKeyFile, EvmPrivateKey.Generate().Address, null);
        if (usdPrice is not { } usd)
        {
            return deployed;
        }

        byte[] feedCreation = [.. Bytecode(root, "MockAggregator"), .. AbiCodec.Encode("uint8,string", FeedDecimals, $"{asset} / USD")];
        var feed = (await operatorSender.SendAndWaitAsync(null, feedCreation, 0, ReceiptDeadline, cancellationToken)).ContractAddress
            ?? throw new InvalidOperationException($"{chain.Name}: the {asset}/USD feed deployment created no contract.");
        deployed = deployed with { PriceFeed = feed };
        await PublishPriceAsync(http, deployed, usd, cancellationToken);
        return deployed;
    }

    private static async Task<DeployedSolana> DeploySolanaAsync(SolanaRpcClient client, Uri url, Keypair issuer, string folder, CancellationToken cancellationToken)
    {
        var authorityKeyFile = Path.Combine(folder, "solana-vault-authority.json");
        SolanaKeyFile.Create(authorityKeyFile);
        var authority = SolanaKeyFile.Load(authorityKeyFile);
        var receiver = Keypair.Generate().PublicKey;
        await AirdropAsync(client, issuer.PublicKey, cancellationToken);
        await AirdropAsync(client, authority.PublicKey, cancellationToken);

        var mint = Keypair.Generate();
        var rent = (await client.GetMinimumBalanceForRentExemptionAsync(TokenProgram.MintSize, Commitment.Confirmed, cancellationToken)).Value;
        await SolanaTransactions.SendAndConfirmAsync(client, issuer,
            [
                SystemProgram.CreateAccount(issuer.PublicKey, mint.PublicKey, rent, TokenProgram.MintSize, ProgramIds.Token),
                TokenProgram.InitializeMint2(mint.PublicKey, 6, issuer.PublicKey, null),
                AssociatedTokenAccountProgram.CreateIdempotent(issuer.PublicKey, receiver, mint.PublicKey),
            ],
            [mint],
            cancellationToken);
        var vault = await SolanaVaultInit.InitAsync(client, authority, [mint.PublicKey], cancellationToken);
        return new DeployedSolana(
            url, authorityKeyFile, authority.PublicKey, UsdcAsset, 6, mint.PublicKey,
            PublicKey.Parse(vault.Accounts[0].TokenAccount), receiver, AssociatedTokenAccountProgram.FindAddress(receiver, mint.PublicKey));
    }

    private static async Task<DemoUser> FundEvmUserAsync(HttpClient http, DeployedEvmChain chain, string account, BigInteger units, CancellationToken cancellationToken)
    {
        var key = EvmPrivateKey.Generate();
        var faucet = Sender(http, chain.Chain, EvmPrivateKey.FromHex(LocalChains.AnvilFaucetKey));
        await faucet.SendAndWaitAsync(key.Address, [], BigInteger.Pow(10, 19), ReceiptDeadline, cancellationToken);
        // The test token lets anyone mint: the user funds itself, as from a faucet.
        await Sender(http, chain.Chain, key).SendAndWaitAsync(chain.Token, TestTokenMint.EncodeCall(key.Address, units), 0, ReceiptDeadline, cancellationToken);
        return new DemoUser(account, chain.Chain.Name, key, null);
    }

    private static async Task<DemoUser> FundSolanaUserAsync(SolanaRpcClient client, DeployedSolana solana, Keypair issuer, string account, ulong units, CancellationToken cancellationToken)
    {
        var user = Keypair.Generate();
        await AirdropAsync(client, user.PublicKey, cancellationToken);
        await SolanaTransactions.SendAndConfirmAsync(client, issuer,
            [
                AssociatedTokenAccountProgram.CreateIdempotent(issuer.PublicKey, user.PublicKey, solana.Mint),
                TokenProgram.MintTo(solana.Mint, AssociatedTokenAccountProgram.FindAddress(user.PublicKey, solana.Mint), issuer.PublicKey, units),
            ],
            [],
            cancellationToken);
        return new DemoUser(account, LocalChains.SolanaName, null, user);
    }

    private static async Task AirdropAsync(SolanaRpcClient client, PublicKey account, CancellationToken cancellationToken)
    {
        var signature = (await client.RequestAirdropAsync(account, TenSolLamports, Commitment.Confirmed, cancellationToken)).Value;
        await SolanaTransactions.WaitConfirmedAsync(client, signature, cancellationToken);
    }

    private static byte[] Bytecode(string root, string contract)
    {
        var path = Path.Combine(root, "contracts", "evm", "out", contract + ".json");
        if (!File.Exists(path))
        {
            throw new DemoPrerequisiteException($"The EVM contract artifact {path} is missing: run `node contracts/evm/build.mjs` (or `bash deploy/scripts/install-prerequisites.sh`).");
        }

        using var artifact = JsonDocument.Parse(File.ReadAllText(path));
        return Hex.Decode(artifact.RootElement.GetProperty("bytecode").GetString() ?? throw new InvalidDataException($"{path} has no bytecode."));
    }
}
