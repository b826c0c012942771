// Wire formats: base58/base64, transactions, ed25519, address lookup tables.
//
// @solana/kit's codecs decode the compiled message (legacy and v0); the signature section is read
// here so that signatures stay in wire order (kit returns them keyed by signer address).

import { createHash, createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { getBase58Decoder, getBase58Encoder, getCompiledTransactionMessageDecoder } from '@solana/kit';
import { invalidParams } from './errors.mjs';

const base58Encoder = getBase58Encoder();
const base58Decoder = getBase58Decoder();
const messageDecoder = getCompiledTransactionMessageDecoder();

export const toBase58 = (bytes) => base58Decoder.decode(bytes);
export const fromBase58 = (text) => base58Encoder.encode(text);
export const toBase64 = (bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');

const BASE58_ALPHABET = /^[1-9A-HJ-NP-Za-km-z]*$/;
const BASE64_TEXT = /^[A-Za-z0-9+/]*={0,2}$/;

export function decodeBase58Strict(text) {
  if (typeof text !== 'string' || !BASE58_ALPHABET.test(text)) throw new Error('invalid base58');
  return fromBase58(text);
}

export function decodeBase64Strict(text) {
  if (typeof text !== 'string' || text.length % 4 !== 0 || !BASE64_TEXT.test(text)) throw new Error('invalid base64');
  return new Uint8Array(Buffer.from(text, 'base64'));
}

/** A 32-byte address in base58, validated as Solana's `verify_pubkey` does. */
export function parseAddress(text, what = 'pubkey') {
  let bytes;
  try {
    bytes = decodeBase58Strict(text);
  } catch {
    throw invalidParams(`Invalid param: ${what} is not a base58 string`);
  }
  if (bytes.length !== 32) throw invalidParams(`Invalid param: WrongSize (${what} must be 32 bytes)`);
  return text;
}

export function parseSignature(text) {
  let bytes;
  try {
    bytes = decodeBase58Strict(text);
  } catch {
    throw invalidParams('Invalid param: signature is not a base58 string');
  }
  if (bytes.length !== 64) throw invalidParams('Invalid param: WrongSize (signature must be 64 bytes)');
  return text;
}

/** Solana's compact-u16 ("shortvec") length prefix. */
function readCompactU16(bytes, offset) {
  let value = 0;
  for (let i = 0; i < 3; i++) {
    const byte = bytes[offset + i];
    if (byte === undefined) throw new Error('truncated compact-u16');
    value |= (byte & 0x7f) << (7 * i);
    if ((byte & 0x80) === 0) return { value, size: i + 1 };
  }
  throw new Error('compact-u16 longer than 3 bytes');
}

/** agave's PACKET_DATA_SIZE: a serialized transaction must fit one UDP packet. */
export const MAX_TRANSACTION_BYTES = 1232;

/**
 * Decodes a wire transaction: compact-u16 signature count, 64-byte signatures, then the message.
 * Throws RpcError -32602 with agave's wording when the bytes are not a sane transaction.
 */
export function decodeWireTransaction(wire) {
  const fail = (why) => invalidParams(`failed to deserialize solana_transaction::versioned::VersionedTransaction: ${why}`);
  let count;
  try {
    count = readCompactU16(wire, 0);
  } catch (e) {
    throw fail(e.message);
  }
  const signatures = [];
  let offset = count.size;
  for (let i = 0; i < count.value; i++, offset += 64) {
    if (offset + 64 > wire.length) throw fail('io error: unexpected end of file');
    signatures.push(wire.slice(offset, offset + 64));
  }
  const messageBytes = wire.slice(offset);
  let message;
  try {
    message = messageDecoder.decode(messageBytes);
  } catch (e) {
    throw fail(e.message);
  }
  // agave's sanitize: one signature per required signer; program ids are static keys other than
  // the fee payer; every account index points at a static or looked-up key.
  const header = message.header;
  const staticCount = message.staticAccounts.length;
  const keyCount = staticCount + lookupCount(message);
  if (signatures.length === 0 || signatures.length !== header.numSignerAccounts
      || header.numSignerAccounts + header.numReadonlyNonSignerAccounts > staticCount
      || header.numReadonlySignerAccounts >= header.numSignerAccounts
      || message.instructions.some((ix) => ix.programAddressIndex === 0 || ix.programAddressIndex >= staticCount
        || (ix.accountIndices ?? []).some((i) => i >= keyCount))) {
    throw invalidParams('invalid transaction: Transaction failed to sanitize accounts offsets correctly');
  }
  return {
    wire,
    signatures,
    signatureStrings: signatures.map(toBase58),
    messageBytes,
    message,
    version: message.version, // 'legacy' or 0
  };
}

const lookupCount = (message) =>
  (message.addressTableLookups ?? []).reduce((n, l) => n + l.writableIndexes.length + l.readonlyIndexes.length, 0);

/** Offset of the recent blockhash in a message: [v0 prefix] header(3) compact-u16 n, n×32 keys. */
function blockhashOffset(messageBytes) {
  const prefix = (messageBytes[0] & 0x80) !== 0 ? 1 : 0;
  const keys = readCompactU16(messageBytes, prefix + 3);
  return prefix + 3 + keys.size + 32 * keys.value;
}

/** The message bytes with another recent blockhash (simulateTransaction's replaceRecentBlockhash). */
export function replaceBlockhash(decoded, blockhash) {
  const messageBytes = decoded.messageBytes.slice();
  messageBytes.set(fromBase58(blockhash), blockhashOffset(messageBytes));
  const wire = new Uint8Array(decoded.wire.length);
  const signaturesLength = decoded.wire.length - decoded.messageBytes.length;
  wire.set(decoded.wire.subarray(0, signaturesLength), 0);
  wire.set(messageBytes, signaturesLength);
  return decodeWireTransaction(wire);
}

// DER prefixes that wrap a raw 32-byte ed25519 key for node:crypto (RFC 8410 SPKI / PKCS#8).
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/** True when every signature verifies against its signer key (the first numSignerAccounts keys). */
export function verifySignatures(decoded) {
  return decoded.signatures.every((signature, i) => {
    const key = createPublicKey({
      key: Buffer.concat([ED25519_SPKI_PREFIX, fromBase58(decoded.message.staticAccounts[i])]),
      format: 'der',
      type: 'spki',
    });
    return verify(null, decoded.messageBytes, key, signature);
  });
}

/** A deterministic ed25519 keypair (the faucet's), derived from a label so restarts reuse it. */
export function keypairFromLabel(label) {
  const seed = createHash('sha256').update(label).digest();
  const privateKey = createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
  const publicKey = createPublicKey(privateKey).export({ format: 'der', type: 'spki' }).subarray(ED25519_SPKI_PREFIX.length);
  return {
    address: toBase58(new Uint8Array(publicKey)),
    sign: (message) => new Uint8Array(sign(null, message, privateKey)),
  };
}

/** A deterministic 32-byte value in base58 (blockhashes). */
export function hashToBase58(text) {
  return toBase58(new Uint8Array(createHash('sha256').update(text).digest()));
}

export function writeCompactU16(value) {
  const out = [];
  let rest = value;
  do {
    let byte = rest & 0x7f;
    rest >>= 7;
    if (rest) byte |= 0x80;
    out.push(byte);
  } while (rest);
  return out;
}

export function u64Le(value) {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(value), true);
  return bytes;
}

export const readU64Le = (bytes, offset) =>
  new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(offset, true);
export const readU32Le = (bytes, offset) =>
  new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(offset, true);

export const ADDRESS_LOOKUP_TABLE_PROGRAM = 'AddressLookupTab1e1111111111111111111111111';
/** LOOKUP_TABLE_META_SIZE in the address-lookup-table program: addresses start after it. */
const LOOKUP_TABLE_META_SIZE = 56;

/**
 * Resolves a v0 message's address table lookups against account state (writable ones first, then
 * read-only, as the runtime orders them). Returns null when a table is missing or an index is out
 * of range, which the runtime reports as AddressLookupTableNotFound / InvalidAddressLookupTableIndex.
 */
export function resolveLookups(message, readAccount) {
  const writable = [];
  const readonly = [];
  for (const lookup of message.addressTableLookups ?? []) {
    const table = readAccount(lookup.lookupTableAddress);
    if (!table || table.owner !== ADDRESS_LOOKUP_TABLE_PROGRAM) return { error: 'AddressLookupTableNotFound' };
    const count = Math.floor((table.data.length - LOOKUP_TABLE_META_SIZE) / 32);
    const at = (i) => {
      if (i >= count) return null;
      const start = LOOKUP_TABLE_META_SIZE + 32 * i;
      return toBase58(table.data.slice(start, start + 32));
    };
    for (const [indexes, into] of [[lookup.writableIndexes, writable], [lookup.readonlyIndexes, readonly]]) {
      for (const i of indexes) {
        const address = at(i);
        if (address === null) return { error: 'InvalidAddressLookupTableIndex' };
        into.push(address);
      }
    }
  }
  return { loaded: { writable, readonly } };
}

// Keys the runtime never lets a transaction write (agave's reserved account keys): sysvars and
// builtin programs. A message may mark them writable; the runtime demotes them.
const RESERVED_KEYS = new Set([
  '11111111111111111111111111111111', 'ComputeBudget111111111111111111111111111111',
  'AddressLookupTab1e1111111111111111111111111', 'BPFLoaderUpgradeab1e11111111111111111111111',
  'BPFLoader2111111111111111111111111111111111', 'BPFLoader1111111111111111111111111111111111',
  'Vote111111111111111111111111111111111111111', 'Stake11111111111111111111111111111111111111',
  'Config1111111111111111111111111111111111111', 'SysvarC1ock11111111111111111111111111111111',
  'SysvarRent111111111111111111111111111111111', 'SysvarEpochSchedu1e111111111111111111111111',
  'Sysvar1nstructions1111111111111111111111111', 'SysvarRecentB1ockHashes11111111111111111111',
  'SysvarS1otHashes111111111111111111111111111', 'SysvarS1otHistory11111111111111111111111111',
  'SysvarStakeHistory1111111111111111111111111', 'SysvarFees111111111111111111111111111111111',
]);

/**
 * Every account key of a transaction in runtime order (static keys, then loaded writable, then
 * loaded read-only), with the signer/writable/source flags that jsonParsed reports.
 */
export function accountKeysOf(message, loaded) {
  const { numSignerAccounts, numReadonlySignerAccounts, numReadonlyNonSignerAccounts } = message.header;
  const staticCount = message.staticAccounts.length;
  const calledAsProgram = new Set(message.instructions.map((ix) => ix.programAddressIndex));
  const keys = message.staticAccounts.map((pubkey, i) => {
    const signer = i < numSignerAccounts;
    const maybeWritable = signer
      ? i < numSignerAccounts - numReadonlySignerAccounts
      : i < staticCount - numReadonlyNonSignerAccounts;
    return {
      pubkey,
      signer,
      writable: maybeWritable && !calledAsProgram.has(i) && !RESERVED_KEYS.has(pubkey),
      source: 'transaction',
    };
  });
  loaded.writable.forEach((pubkey) =>
    keys.push({ pubkey, signer: false, writable: !RESERVED_KEYS.has(pubkey), source: 'lookupTable' }));
  loaded.readonly.forEach((pubkey) => keys.push({ pubkey, signer: false, writable: false, source: 'lookupTable' }));
  return keys;
}
