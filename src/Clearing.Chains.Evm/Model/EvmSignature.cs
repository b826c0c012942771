using System.Numerics;

namespace Clearing.Chains.Evm.Model;

/// <summary>
/// A secp256k1 ECDSA signature with the recovery id (y parity of R, 0 or 1) that lets anyone recover the signer's
/// public key (ecrecover). Ours are always low-S (EIP-2: s ≤ n/2).
/// </summary>
public readonly record struct EvmSignature(BigInteger R, BigInteger S, byte RecoveryId)
{
    /// <summary>The 65-byte r ‖ s ‖ v form with v = 27 + recovery id (eth_sign, ecrecover precompile).</summary>
    public byte[] ToBytes65()
    {
        var output = new byte[65];
        R.ToByteArray(isUnsigned: true, isBigEndian: true).CopyTo(output.AsSpan(32 - R.GetByteCount(isUnsigned: true)));
        S.ToByteArray(isUnsigned: true, isBigEndian: true).CopyTo(output.AsSpan(64 - S.GetByteCount(isUnsigned: true)));
        output[64] = (byte)(27 + RecoveryId);
        return output;
    }
}
