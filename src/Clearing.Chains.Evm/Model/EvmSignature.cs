using System.Numerics;

namespace Clearing.Chains.Evm.Model;

/// <summary>
/// A secp256k1 ECDSA signature with the recovery id (y parity of R, 0 or 1) that lets anyone recover the signer's
/// public key (ecrecover). Ours are always low-S (EIP-2: s ≤ n/2).
/// </summary>
public readonly record struct EvmSignature(BigInteger R, BigInteger S, byte RecoveryId);
