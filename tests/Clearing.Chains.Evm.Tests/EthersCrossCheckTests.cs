using Clearing.TestKit;
using System.Diagnostics;
using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Clearing.Chains.Evm.Abi;
using Clearing.Chains.Evm.Model;
using Clearing.Chains.Evm.Rlp;
using Clearing.Chains.Evm.Signing;

namespace Clearing.Chains.Evm.Tests;

/// <summary>
/// Ours against ethers 6 (a client nobody here wrote) on cases generated at test time from a fixed seed: keys and
/// EIP-55 addresses, signed legacy and EIP-1559 transactions (signature bytes, serialization, hash), ABI encodings
/// with function selectors, and RLP structures. Starts node, so it is a real-component test.
/// </summary>
[Trait("RealComponent", "true")]
public sealed class EthersCrossCheckTests
{
    private const int Seed = 20_261_121;
    private const int KeyCases = 200;
    private const int LegacyCases = 250;
    private const int Eip1559Cases = 250;
    private const int AbiCases = 300;
    private const int RlpCases = 200;

    [Fact]
    public async Task Ours_equals_ethers_byte_for_byte_on_1200_random_cases()
    {
        var random = new Random(Seed);
        var keys = Enumerable.Range(0, KeyCases).Select(_ => RandomKey(random)).ToList();
        var legacy = Enumerable.Range(0, LegacyCases).Select(_ => (Key: RandomKey(random), Tx: RandomLegacy(random))).ToList();
        var typed = Enumerable.Range(0, Eip1559Cases).Select(_ => (Key: RandomKey(random), Tx: RandomEip1559(random))).ToList();
        var abi = Enumerable.Range(0, AbiCases).Select(i => RandomAbiCase(random, i)).ToList();
        var rlp = Enumerable.Range(0, RlpCases).Select(_ => RandomRlp(random, depth: 0)).ToList();

        var cases = new JsonObject
        {
            ["keys"] = new JsonArray([.. keys.Select(k => (JsonNode)k.ExportHex())]),
            ["legacy"] = new JsonArray([.. legacy.Select(c => (JsonNode)LegacyJson(c.Key, c.Tx))]),
            ["eip1559"] = new JsonArray([.. typed.Select(c => (JsonNode)Eip1559Json(c.Key, c.Tx))]),
            ["abi"] = new JsonArray([.. abi.Select(c => (JsonNode)new JsonObject
            {
                ["types"] = new JsonArray([.. c.Types.Select(t => (JsonNode)t.CanonicalName)]),
                ["values"] = new JsonArray([.. c.Types.Select((t, i) => ValueJson(t, c.Values[i]))]),
                ["signature"] = c.Signature,
            })]),
            ["rlp"] = new JsonArray([.. rlp.Select(RlpJson)]),
        };

        var answers = await RunEthersAsync(cases);

        var keyAnswers = answers.GetProperty("keys").EnumerateArray().Select(a => a.GetString()).ToList();
        for (var i = 0; i < keys.Count; i++)
        {
            Assert.True(keyAnswers[i] == keys[i].Address.ToChecksumString(), $"key case {i}: ethers {keyAnswers[i]}, ours {keys[i].Address}");
        }

        CompareTransactions("legacy", legacy.Select(c => (c.Key, (EvmTransaction)c.Tx)).ToList(), answers.GetProperty("legacy"));
        CompareTransactions("eip1559", typed.Select(c => (c.Key, (EvmTransaction)c.Tx)).ToList(), answers.GetProperty("eip1559"));

        var abiAnswers = answers.GetProperty("abi").EnumerateArray().ToList();
        for (var i = 0; i < abi.Count; i++)
        {
            var ours = AbiCodec.Encode(abi[i].Types, abi[i].Values);
            Assert.True(abiAnswers[i].GetProperty("encoded").GetString() == Hex.Encode(ours), $"abi case {i} ({abi[i].Signature}): encodings differ");
            Assert.True(abiAnswers[i].GetProperty("selector").GetString() == Hex.Encode(AbiFunction.Parse(abi[i].Signature).Selector), $"abi case {i} ({abi[i].Signature}): selectors differ");
            Assert.Equal(ours, AbiCodec.Encode(abi[i].Types, AbiCodec.Decode(abi[i].Types, ours)));
        }

        var rlpAnswers = answers.GetProperty("rlp").EnumerateArray().Select(a => a.GetString()).ToList();
        for (var i = 0; i < rlp.Count; i++)
        {
            var ours = RlpCodec.Encode(rlp[i]);
            Assert.True(rlpAnswers[i] == Hex.Encode(ours), $"rlp case {i}: encodings differ");
            Assert.Equal(ours, RlpCodec.Encode(RlpCodec.Decode(ours)));
        }

        Assert.True(keys.Count + legacy.Count + typed.Count + abi.Count + rlp.Count >= 1000);
    }

    private static void CompareTransactions(string kind, IReadOnlyList<(EvmPrivateKey Key, EvmTransaction Tx)> cases, JsonElement answers)
    {
        var list = answers.EnumerateArray().ToList();
        for (var i = 0; i < cases.Count; i++)
        {
            var signed = SignedTransaction.Sign(cases[i].Tx, cases[i].Key);
            Assert.True(list[i].GetProperty("serialized").GetString() == signed.EncodedHex, $"{kind} case {i}: signed serializations differ");
            Assert.True(list[i].GetProperty("hash").GetString() == signed.HashHex, $"{kind} case {i}: hashes differ");
            Assert.True(list[i].GetProperty("from").GetString() == cases[i].Key.Address.ToChecksumString(), $"{kind} case {i}: ethers recovers another sender");
            var decoded = SignedTransaction.Decode(signed.Encoded);
            Assert.Equal(signed.HashHex, decoded.HashHex);
            Assert.Equal(cases[i].Key.Address, decoded.RecoverSender());
        }
    }

    private static async Task<JsonElement> RunEthersAsync(JsonObject cases)
    {
        const string InstallStep = "cd deploy/devnet && npm install --no-save";
        NodeScript.RequirePackage(RepoPaths.DevnetNodeModules, "ethers", InstallStep);
        var script = Path.Combine(RepoPaths.Root, "tests", "Clearing.Chains.Evm.Tests", "CrossCheck", "ethers-crosscheck.mjs");
        var answers = await NodeScript.RunOnFilesAsync(script, cases.ToJsonString(), InstallStep, TimeSpan.FromMinutes(3));
        return JsonDocument.Parse(answers).RootElement.Clone();
    }

    // ---- random cases ----------------------------------------------------------------------------------------

    private static EvmPrivateKey RandomKey(Random random)
    {
        var bytes = new byte[32];
        while (true)
        {
            random.NextBytes(bytes);
            var value = new BigInteger(bytes, isUnsigned: true, isBigEndian: true);
            if (value.Sign > 0 && value < Secp256k1.N)
            {
                return EvmPrivateKey.FromBytes(bytes);
            }
        }
    }

    /// <summary>A random unsigned number of up to <paramref name="maxBits"/> bits, biased towards edges (0, 1, all ones).</summary>
    private static BigInteger RandomUInt(Random random, int maxBits)
    {
        switch (random.Next(10))
        {
            case 0:
                return BigInteger.Zero;
            case 1:
                return BigInteger.One;
            case 2:
                return (BigInteger.One << maxBits) - 1;
        }

        var bits = random.Next(1, maxBits + 1);
        var bytes = new byte[(bits + 7) / 8];
        random.NextBytes(bytes);
        return new BigInteger(bytes, isUnsigned: true, isBigEndian: true) & ((BigInteger.One << bits) - 1);
    }

    private static byte[] RandomBytes(Random random, int maxLength)
    {
        var bytes = new byte[random.Next(0, maxLength + 1)];
        random.NextBytes(bytes);
        return bytes;
    }

    private static EvmAddress RandomAddress(Random random)
    {
        var bytes = new byte[20];
        random.NextBytes(bytes);
        return EvmAddress.FromBytes(bytes);
    }

    private static ulong RandomChainId(Random random) => random.Next(4) switch
    {
        0 => 1,
        1 => 31337,
        2 => (ulong)random.NextInt64(1, 1L << 32),
        _ => (ulong)random.NextInt64(1, 1L << 52),
    };

    // ethers carries the nonce as a JavaScript number: stay below 2^53.
    private static ulong RandomNonce(Random random) => (ulong)RandomUInt(random, random.Next(2) == 0 ? 8 : 48);

    private static LegacyTransaction RandomLegacy(Random random) => new()
    {
        ChainId = RandomChainId(random),
        Nonce = RandomNonce(random),
        GasPrice = RandomUInt(random, 256),
        GasLimit = (ulong)RandomUInt(random, 64),
        To = random.Next(8) == 0 ? null : RandomAddress(random),
        Value = RandomUInt(random, 256),
        Data = RandomBytes(random, 120),
    };

    private static Eip1559Transaction RandomEip1559(Random random)
    {
        // EIP-1559 validity: max_fee_per_gas >= max_priority_fee_per_gas (ethers refuses anything else).
        var maxFee = RandomUInt(random, 256);
        return RandomEip1559(random, maxFee, RandomUInt(random, 256) % (maxFee + 1));
    }

    private static Eip1559Transaction RandomEip1559(Random random, BigInteger maxFee, BigInteger priorityFee) => new()
    {
        ChainId = RandomChainId(random),
        Nonce = RandomNonce(random),
        MaxPriorityFeePerGas = priorityFee,
        MaxFeePerGas = maxFee,
        GasLimit = (ulong)RandomUInt(random, 64),
        To = random.Next(8) == 0 ? null : RandomAddress(random),
        Value = RandomUInt(random, 256),
        Data = RandomBytes(random, 120),
        AccessList = [.. Enumerable.Range(0, random.Next(0, 4)).Select(_ => new AccessListEntry(
            RandomAddress(random),
            [.. Enumerable.Range(0, random.Next(0, 4)).Select(_ =>
            {
                var key = new byte[32];
                random.NextBytes(key);
                return key;
            })]))],
    };

    private static JsonObject LegacyJson(EvmPrivateKey key, LegacyTransaction tx) => new()
    {
        ["key"] = key.ExportHex(),
        ["chainId"] = tx.ChainId!.Value.ToString(CultureInfo.InvariantCulture),
        ["nonce"] = tx.Nonce.ToString(CultureInfo.InvariantCulture),
        ["gasPrice"] = tx.GasPrice.ToString(CultureInfo.InvariantCulture),
        ["gasLimit"] = tx.GasLimit.ToString(CultureInfo.InvariantCulture),
        ["to"] = tx.To?.ToLowerHex(),
        ["value"] = tx.Value.ToString(CultureInfo.InvariantCulture),
        ["data"] = Hex.Encode(tx.Data),
    };

    private static JsonObject Eip1559Json(EvmPrivateKey key, Eip1559Transaction tx) => new()
    {
        ["key"] = key.ExportHex(),
        ["chainId"] = tx.ChainId.ToString(CultureInfo.InvariantCulture),
        ["nonce"] = tx.Nonce.ToString(CultureInfo.InvariantCulture),
        ["maxPriorityFeePerGas"] = tx.MaxPriorityFeePerGas.ToString(CultureInfo.InvariantCulture),
        ["maxFeePerGas"] = tx.MaxFeePerGas.ToString(CultureInfo.InvariantCulture),
        ["gasLimit"] = tx.GasLimit.ToString(CultureInfo.InvariantCulture),
        ["to"] = tx.To?.ToLowerHex(),
        ["value"] = tx.Value.ToString(CultureInfo.InvariantCulture),
        ["data"] = Hex.Encode(tx.Data),
        ["accessList"] = new JsonArray([.. tx.AccessList.Select(e => (JsonNode)new JsonObject
        {
            ["address"] = e.Address.ToLowerHex(),
            ["storageKeys"] = new JsonArray([.. e.StorageKeys.Select(k => (JsonNode)Hex.Encode(k))]),
        })]),
    };

    private sealed record AbiCase(IReadOnlyList<AbiType> Types, IReadOnlyList<object> Values, string Signature);

    private static AbiCase RandomAbiCase(Random random, int index)
    {
        var types = Enumerable.Range(0, random.Next(1, 5)).Select(_ => RandomAbiType(random, depth: 0)).ToList();
        var values = types.Select(t => RandomAbiValue(random, t)).ToList();

        // Names and spacing as people write them; the selector must come from the canonical form.
        var signature = $"f{index}(" + string.Join(", ", types.Select((t, i) => $"{t.CanonicalName} a{i}")) + ")";
        return new AbiCase(types, values, signature);
    }

    private static AbiType RandomAbiType(Random random, int depth)
    {
        var pick = random.Next(depth >= 2 ? 8 : 11);
        return pick switch
        {
            0 => new AbiIntegerType(8 * random.Next(1, 33), signed: false),
            1 => new AbiIntegerType(8 * random.Next(1, 33), signed: true),
            2 => AbiAddressType.Instance,
            3 => AbiBoolType.Instance,
            4 => new AbiFixedBytesType(random.Next(1, 33)),
            5 => AbiBytesType.Instance,
            6 => AbiStringType.Instance,
            7 => new AbiIntegerType(256, signed: false),
            8 => new AbiArrayType(RandomAbiType(random, depth + 1), null),
            9 => new AbiArrayType(RandomAbiType(random, depth + 1), random.Next(1, 4)),
            _ => new AbiTupleType([.. Enumerable.Range(0, random.Next(1, 4)).Select(_ => RandomAbiType(random, depth + 1))]),
        };
    }

    private static object RandomAbiValue(Random random, AbiType type) => type switch
    {
        AbiIntegerType { Signed: false } unsigned => RandomUInt(random, unsigned.Bits),
        AbiIntegerType signed => RandomUInt(random, signed.Bits) - (BigInteger.One << (signed.Bits - 1)),
        AbiAddressType => RandomAddress(random),
        AbiBoolType => random.Next(2) == 1,
        AbiFixedBytesType fixedBytes => RandomFixed(random, fixedBytes.Length),
        AbiBytesType => RandomBytes(random, 70),
        AbiStringType => RandomText(random),
        AbiArrayType array => Enumerable.Range(0, array.FixedLength ?? random.Next(0, 4)).Select(_ => RandomAbiValue(random, array.Element)).ToArray(),
        AbiTupleType tuple => tuple.Components.Select(c => RandomAbiValue(random, c)).ToArray(),
        _ => throw new InvalidOperationException(type.ToString()),
    };

    private static byte[] RandomFixed(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    /// <summary>Text of 0-80 characters mixing ASCII, accented Latin, CJK and astral emoji (surrogate pairs kept whole).</summary>
    private static string RandomText(Random random)
    {
        var text = new StringBuilder();
        var length = random.Next(0, 40);
        for (var i = 0; i < length; i++)
        {
            switch (random.Next(4))
            {
                case 0:
                    text.Append((char)random.Next(0x20, 0x7f));
                    break;
                case 1:
                    text.Append((char)random.Next(0xc0, 0x180));
                    break;
                case 2:
                    text.Append((char)random.Next(0x4e00, 0x9fff));
                    break;
                default:
                    text.Append(char.ConvertFromUtf32(random.Next(0x1f600, 0x1f650)));
                    break;
            }
        }

        return text.ToString();
    }

    private static JsonNode? ValueJson(AbiType type, object value) => type switch
    {
        AbiIntegerType => ((BigInteger)value).ToString(CultureInfo.InvariantCulture),
        AbiAddressType => ((EvmAddress)value).ToLowerHex(),
        AbiBoolType => (bool)value,
        AbiFixedBytesType or AbiBytesType => Hex.Encode((byte[])value),
        AbiStringType => (string)value,
        AbiArrayType array => new JsonArray([.. ((object[])value).Select(v => ValueJson(array.Element, v))]),
        AbiTupleType tuple => new JsonArray([.. ((object[])value).Select((v, i) => ValueJson(tuple.Components[i], v))]),
        _ => throw new InvalidOperationException(type.ToString()),
    };

    private static RlpItem RandomRlp(Random random, int depth)
    {
        if (depth < 3 && random.Next(3) == 0)
        {
            // Up to 12 children so some lists pass the 55-byte short-list limit.
            return new RlpList([.. Enumerable.Range(0, random.Next(0, 12)).Select(_ => RandomRlp(random, depth + 1))]);
        }

        return random.Next(4) switch
        {
            0 => new RlpString([(byte)random.Next(0, 256)]),
            1 => RlpString.FromUInt(RandomUInt(random, 256)),
            _ => new RlpString(RandomBytes(random, random.Next(2) == 0 ? 60 : 300)),
        };
    }

    private static JsonNode RlpJson(RlpItem item) => item switch
    {
        RlpString text => Hex.Encode(text.Bytes),
        RlpList list => new JsonArray([.. list.Items.Select(RlpJson)]),
        _ => throw new InvalidOperationException(),
    };
}
