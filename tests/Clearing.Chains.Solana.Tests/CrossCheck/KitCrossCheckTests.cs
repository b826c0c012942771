using System.Text.Json;
using System.Text.Json.Nodes;
using Clearing.TestKit;
using Clearing.Chains.Solana.Builders;
using Clearing.Chains.Solana.Encoding;
using Clearing.Chains.Solana.Programs;
using Clearing.Chains.Solana.Signing;

namespace Clearing.Chains.Solana.Tests.CrossCheck;

/// <summary>
/// Proves our codecs against @solana/kit 8.4, a client none of us wrote: random cases from a fixed seed, kit's
/// answers from CrossCheck/kit-crosscheck.mjs under node, and byte-for-byte equality of ours with kit's.
/// </summary>
[Trait("RealComponent", "true")]
public sealed class KitCrossCheckTests
{
    private const int Seed = 20261121;
    private const string InstallStep = "cd deploy/devnet && npm install --no-save";

    /// <summary>y = 1 and y = −1 (x = 0) with the sign bit set.</summary>
    private static readonly HashSet<string> SignBitWithZeroX =
    [
        "0100000000000000000000000000000000000000000000000000000000000080",
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
    ];

    [Fact]
    public async Task Addresses_signatures_pdas_atas_messages_and_transactions_equal_kits_byte_for_byte()
    {
        var cases = new CaseGenerator(new Random(Seed)).Generate();
        Assert.True(cases.Total >= 1000, $"only {cases.Total} cases");

        var answers = await RunKitAsync(cases.ToJson());
        var mismatches = new List<string>();

        var kitAddresses = answers["keypairs"]!.AsArray();
        for (var i = 0; i < cases.KeypairSeeds.Count; i++)
        {
            Expect(mismatches, $"address of seed {Convert.ToHexString(cases.KeypairSeeds[i])}",
                kitAddresses[i]!.GetValue<string>(), Keypair.FromSeed(cases.KeypairSeeds[i]).PublicKey.ToString());
        }

        var kitSignatures = answers["signatures"]!.AsArray();
        for (var i = 0; i < cases.Signatures.Count; i++)
        {
            var (seed, message) = cases.Signatures[i];
            Expect(mismatches, $"signature {i}", kitSignatures[i]!.GetValue<string>(), Hex(Keypair.FromSeed(seed).Sign(message)));
        }

        var kitPdas = answers["pdas"]!.AsArray();
        for (var i = 0; i < cases.Pdas.Count; i++)
        {
            var (programId, seeds) = cases.Pdas[i];
            var (address, bump) = PublicKey.FindProgramAddress(seeds, programId);
            Expect(mismatches, $"pda {i}", $"{kitPdas[i]!["address"]}/{kitPdas[i]!["bump"]}", $"{address}/{bump}");
        }

        var kitAtas = answers["atas"]!.AsArray();
        for (var i = 0; i < cases.Atas.Count; i++)
        {
            var (wallet, mint, tokenProgram) = cases.Atas[i];
            Expect(mismatches, $"ata {i}", kitAtas[i]!.GetValue<string>(), AssociatedTokenAccountProgram.FindAddress(wallet, mint, tokenProgram).ToString());
        }

        var kitCurve = answers["curve"]!.AsArray();
        for (var i = 0; i < cases.CurvePoints.Count; i++)
        {
            var point = Hex(cases.CurvePoints[i]);
            var ours = Ed25519Curve.IsOnCurve(cases.CurvePoints[i]);
            // x = 0 with the sign bit set: kit (noble) applies RFC 8032's rejection, the runtime (curve25519-dalek)
            // does not, and our PDAs must be the runtime's. Assert the divergence, so a change on either side shows.
            var expectedKit = SignBitWithZeroX.Contains(point) ? !ours : ours;
            Expect(mismatches, $"on-curve {point}", kitCurve[i]!.GetValue<bool>().ToString(), expectedKit.ToString());
        }

        var kitOrderings = answers["orderings"]!.AsArray();
        for (var i = 0; i < cases.Orderings.Count; i++)
        {
            var (left, right) = cases.Orderings[i];
            Expect(mismatches, $"order of {left} and {right}", kitOrderings[i]!.GetValue<int>().ToString(),
                Math.Sign(AddressOrder.Instance.Compare(left, right)).ToString());
        }

        var kitMessages = answers["messages"]!.AsArray();
        for (var i = 0; i < cases.Messages.Count; i++)
        {
            var c = cases.Messages[i];
            var message = c.Version == MessageVersion.Legacy
                ? MessageCompiler.CompileLegacy(c.FeePayer, c.Blockhash, c.Instructions)
                : MessageCompiler.CompileV0(c.FeePayer, c.Blockhash, c.Instructions, c.LookupTables);
            var messageBytes = message.Serialize();
            Expect(mismatches, $"message {i} ({c.Version})", kitMessages[i]!["message"]!.GetValue<string>(), Hex(messageBytes));
            var transaction = Transaction.Sign(message, [.. c.Signers]);
            Expect(mismatches, $"transaction {i} ({c.Version})", kitMessages[i]!["transaction"]!.GetValue<string>(), Hex(transaction.Serialize()));

            // Reading back: the bytes re-serialize unchanged, and resolving the lookups restores every instruction's keys.
            var decoded = Message.Deserialize(messageBytes);
            Expect(mismatches, $"message {i} round trip", Hex(messageBytes), Hex(decoded.Serialize()));
            var keys = decoded.ResolveAccountKeys(c.LookupTables).All;
            var restored = decoded.DecompileInstructions(keys);
            for (var j = 0; j < c.Instructions.Count; j++)
            {
                Expect(mismatches, $"message {i} instruction {j} keys",
                    string.Join(",", c.Instructions[j].Accounts.Select(a => a.Key)), string.Join(",", restored[j].Accounts.Select(a => a.Key)));
                Expect(mismatches, $"message {i} instruction {j} program", c.Instructions[j].ProgramId.ToString(), restored[j].ProgramId.ToString());
            }
        }

        Assert.True(mismatches.Count == 0, $"{mismatches.Count} mismatches with @solana/kit, first: {string.Join(Environment.NewLine, mismatches.Take(5))}");
    }

    private static void Expect(List<string> mismatches, string what, string kit, string ours)
    {
        if (kit != ours)
        {
            mismatches.Add($"{what}: kit {kit}, ours {ours}");
        }
    }

    private static async Task<JsonNode> RunKitAsync(string casesJson)
    {
        NodeScript.RequirePackage(RepoPaths.DevnetNodeModules, "@solana/kit", InstallStep);
        var script = Path.Combine(RepoPaths.Root, "tests", "Clearing.Chains.Solana.Tests", "CrossCheck", "kit-crosscheck.mjs");
        return JsonNode.Parse(await NodeScript.RunOnFilesAsync(script, casesJson, InstallStep, TimeSpan.FromMinutes(5)))!;
    }

    private static string Hex(byte[] bytes) => Convert.ToHexString(bytes).ToLowerInvariant();

    private sealed record MessageCase(
        MessageVersion Version,
        PublicKey FeePayer,
        string Blockhash,
        IReadOnlyList<TransactionInstruction> Instructions,
        IReadOnlyList<AddressLookupTable> LookupTables,
        IReadOnlyList<Keypair> Signers);

    private sealed class Cases
    {
        public List<byte[]> KeypairSeeds { get; } = [];

        public List<(byte[] Seed, byte[] Message)> Signatures { get; } = [];

        public List<(PublicKey ProgramId, byte[][] Seeds)> Pdas { get; } = [];

        public List<(PublicKey Wallet, PublicKey Mint, PublicKey TokenProgram)> Atas { get; } = [];

        public List<byte[]> CurvePoints { get; } = [];

        public List<(string Left, string Right)> Orderings { get; } = [];

        public List<MessageCase> Messages { get; } = [];

        public int Total => KeypairSeeds.Count + Signatures.Count + Pdas.Count + Atas.Count + CurvePoints.Count + Orderings.Count + Messages.Count;

        public string ToJson()
        {
            var json = new JsonObject
            {
                ["keypairs"] = new JsonArray([.. KeypairSeeds.Select(s => (JsonNode)Hex(s))]),
                ["signatures"] = new JsonArray([.. Signatures.Select(s => (JsonNode)new JsonObject { ["seed"] = Hex(s.Seed), ["message"] = Hex(s.Message) })]),
                ["pdas"] = new JsonArray([.. Pdas.Select(p => (JsonNode)new JsonObject
                {
                    ["programId"] = p.ProgramId.ToString(),
                    ["seeds"] = new JsonArray([.. p.Seeds.Select(s => (JsonNode)Hex(s))]),
                })]),
                ["atas"] = new JsonArray([.. Atas.Select(a => (JsonNode)new JsonObject
                {
                    ["wallet"] = a.Wallet.ToString(),
                    ["mint"] = a.Mint.ToString(),
                    ["tokenProgram"] = a.TokenProgram.ToString(),
                    ["ataProgram"] = ProgramIds.AssociatedTokenAccount.ToString(),
                })]),
                ["curve"] = new JsonArray([.. CurvePoints.Select(p => (JsonNode)Hex(p))]),
                ["orderings"] = new JsonArray([.. Orderings.Select(o => (JsonNode)new JsonArray(o.Left, o.Right))]),
                ["messages"] = new JsonArray([.. Messages.Select(m => (JsonNode)new JsonObject
                {
                    ["version"] = m.Version == MessageVersion.Legacy ? "legacy" : "0",
                    ["feePayer"] = m.FeePayer.ToString(),
                    ["blockhash"] = m.Blockhash,
                    ["instructions"] = new JsonArray([.. m.Instructions.Select(ix => (JsonNode)new JsonObject
                    {
                        ["programAddress"] = ix.ProgramId.ToString(),
                        ["accounts"] = new JsonArray([.. ix.Accounts.Select(a => (JsonNode)new JsonObject
                        {
                            ["address"] = a.Key.ToString(),
                            ["role"] = (a.IsSigner ? 2 : 0) | (a.IsWritable ? 1 : 0), // kit's AccountRole bit flags
                        })]),
                        ["data"] = Hex(ix.Data),
                    })]),
                    ["lookupTables"] = new JsonArray([.. m.LookupTables.Select(t => (JsonNode)new JsonObject
                    {
                        ["address"] = t.Key.ToString(),
                        ["addresses"] = new JsonArray([.. t.Addresses.Select(a => (JsonNode)a.ToString())]),
                    })]),
                    ["signerSeeds"] = new JsonArray([.. m.Signers.Select(s => (JsonNode)Hex(s.ExportSeed()))]),
                })]),
            };
            return json.ToJsonString(new JsonSerializerOptions { WriteIndented = false });
        }
    }

    /// <summary>Random but reproducible cases; every signer of a message is a keypair we hold the seed of.</summary>
    private sealed class CaseGenerator
    {
        private readonly Random random;
        private readonly List<Keypair> signerPool;
        private readonly List<PublicKey> accountPool;
        private readonly List<PublicKey> programPool;

        public CaseGenerator(Random random)
        {
            this.random = random;
            signerPool = [.. Enumerable.Range(0, 16).Select(_ => Keypair.FromSeed(Bytes(32)))];
            accountPool = [.. Enumerable.Range(0, 40).Select(_ => new PublicKey(Bytes(32)))];
            programPool =
            [
                ProgramIds.System, ProgramIds.Token, ProgramIds.Token2022, ProgramIds.Memo, ProgramIds.ComputeBudget,
                ProgramIds.AssociatedTokenAccount, .. Enumerable.Range(0, 6).Select(_ => new PublicKey(Bytes(32))),
            ];
        }

        public Cases Generate()
        {
            var cases = new Cases();
            for (var i = 0; i < 300; i++)
            {
                cases.KeypairSeeds.Add(Bytes(32));
            }

            for (var i = 0; i < 300; i++)
            {
                cases.Signatures.Add((Bytes(32), Bytes(random.Next(0, 400))));
            }

            for (var i = 0; i < 300; i++)
            {
                var program = random.Next(3) == 0 ? programPool[random.Next(programPool.Count)] : new PublicKey(Bytes(32));
                cases.Pdas.Add((program, [.. Enumerable.Range(0, random.Next(0, 5)).Select(_ => Bytes(random.Next(0, 33)))]));
            }

            for (var i = 0; i < 200; i++)
            {
                var wallet = random.Next(2) == 0 ? signerPool[random.Next(signerPool.Count)].PublicKey : new PublicKey(Bytes(32));
                cases.Atas.Add((wallet, new PublicKey(Bytes(32)), random.Next(2) == 0 ? ProgramIds.Token : ProgramIds.Token2022));
            }

            // Encodings where RFC 8032's strict decoding and the runtime's (curve25519-dalek) differ: y ≥ p, and the
            // sign bit set with x = 0 (y = ±1).
            cases.CurvePoints.AddRange(
            [
                Convert.FromHexString("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"), // y = p
                Convert.FromHexString("eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"), // y = p + 1
                Convert.FromHexString("ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"), // y = 2^255 − 1
                Convert.FromHexString("0100000000000000000000000000000000000000000000000000000000000080"), // y = 1, sign set
                Convert.FromHexString("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"), // y = −1, sign set
                new byte[32],
            ]);
            for (var i = 0; i < 300; i++)
            {
                cases.CurvePoints.Add(i % 3 == 0 ? signerPool[random.Next(signerPool.Count)].PublicKey.ToByteArray() : Bytes(32));
            }

            // Pairs that differ only in case, in length, or anywhere: the parts of kit's collation random addresses rarely reach.
            for (var i = 0; i < 300; i++)
            {
                var left = Base58.Encode(Bytes(random.Next(1, 33)));
                var right = (i % 3) switch
                {
                    0 => new string([.. left.Select(c => random.Next(3) == 0 && char.IsLetter(c) && c is not ('l' or 'o' or 'i' or 'L' or 'O' or 'I') ? (char.IsUpper(c) ? char.ToLowerInvariant(c) : char.ToUpperInvariant(c)) : c)]),
                    1 => left[..random.Next(0, left.Length)],
                    _ => Base58.Encode(Bytes(random.Next(1, 33))),
                };
                cases.Orderings.Add((left, right));
            }

            for (var i = 0; i < 700; i++)
            {
                cases.Messages.Add(Message(i % 2 == 0 ? MessageVersion.Legacy : MessageVersion.V0));
            }

            return cases;
        }

        private MessageCase Message(MessageVersion version)
        {
            var signers = signerPool.OrderBy(_ => random.Next()).Take(random.Next(1, 7)).ToList();
            var payer = signers[0];
            var accounts = accountPool.OrderBy(_ => random.Next()).Take(random.Next(0, 16)).ToList();
            var programs = programPool.OrderBy(_ => random.Next()).Take(random.Next(1, 5)).ToList();

            var instructions = new List<TransactionInstruction>();
            for (var i = random.Next(1, 6); i > 0; i--)
            {
                var metas = new List<AccountMeta>();
                for (var j = random.Next(0, 7); j > 0; j--)
                {
                    metas.Add(random.Next(10) switch
                    {
                        < 2 => new AccountMeta(signers[random.Next(signers.Count)].PublicKey, true, random.Next(2) == 0),
                        2 => new AccountMeta(payer.PublicKey, random.Next(2) == 0, random.Next(2) == 0),
                        3 => AccountMeta.ReadOnly(programs[random.Next(programs.Count)]), // programs may be passed, read-only
                        4 when accounts.Count == 0 => AccountMeta.ReadOnly(signers[random.Next(signers.Count)].PublicKey),
                        4 => new AccountMeta(signers[random.Next(signers.Count)].PublicKey, false, random.Next(2) == 0),
                        _ when accounts.Count == 0 => AccountMeta.Writable(payer.PublicKey),
                        _ => new AccountMeta(accounts[random.Next(accounts.Count)], false, random.Next(2) == 0),
                    });
                }

                instructions.Add(new TransactionInstruction(programs[random.Next(programs.Count)], metas, Bytes(random.Next(0, 40))));
            }

            var tables = new List<AddressLookupTable>();
            if (version == MessageVersion.V0)
            {
                // Tables hold non-signers, signers, programs and the payer, some addresses in two tables or twice in one.
                var candidates = accounts.Concat(signers.Select(s => s.PublicKey)).Concat(programs).ToList();
                for (var t = random.Next(0, 4); t > 0 && candidates.Count > 0; t--)
                {
                    var addresses = Enumerable.Range(0, random.Next(1, 20)).Select(_ => candidates[random.Next(candidates.Count)]).ToList();
                    tables.Add(new AddressLookupTable(new PublicKey(Bytes(32)), addresses));
                }
            }

            var signerKeys = instructions.SelectMany(ix => ix.Accounts).Where(a => a.IsSigner).Select(a => a.Key).Append(payer.PublicKey).ToHashSet();
            return new MessageCase(version, payer.PublicKey, Base58.Encode(Bytes(32)), instructions, tables,
                [.. signers.Where(s => signerKeys.Contains(s.PublicKey))]);
        }

        private byte[] Bytes(int length)
        {
            var bytes = new byte[length];
            random.NextBytes(bytes);
            return bytes;
        }
    }
}
