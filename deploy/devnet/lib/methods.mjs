// The JSON-RPC methods: parameter checking and Solana's response shapes. State lives in Chain;
// this file only translates between agave's wire forms and it.

import { COMMITMENTS, LITESVM_VERSION } from './chain.mjs';
import { ErrorCode, RpcError, invalidParams, transactionErrorText } from './errors.mjs';
import {
  MAX_TRANSACTION_BYTES, decodeBase58Strict, decodeBase64Strict, decodeWireTransaction, parseAddress, parseSignature,
  replaceBlockhash, toBase58, toBase64, verifySignatures,
} from './encoding.mjs';
import { decodeTokenAccount, formatMemos, parseAccountData, parseInstruction, uiTokenAmount } from './parsers.mjs';

/** The agave release whose RPC shapes this devnet follows; reported by getVersion and in every context. */
export const API_VERSION = '2.2.0';
/** Solana's rentEpoch for rent-exempt accounts (all of them since rent collection ended): u64::MAX. */
const RENT_EPOCH_EXEMPT = 18446744073709551615n;
const MAX_MULTIPLE_ACCOUNTS = 100;
const MAX_SIGNATURE_STATUSES = 256;
const MAX_SIGNATURES_FOR_ADDRESS = 1000;
const MAX_BASE58_ACCOUNT_BYTES = 128;

// ---- parameter helpers ----------------------------------------------------------------------------

function config(params, index) {
  const value = params[index];
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw invalidParams(`Invalid params: configuration at position ${index} must be an object`);
  return value;
}

function commitmentOf(cfg, { atLeastConfirmed = false } = {}) {
  const commitment = cfg.commitment ?? 'finalized'; // agave's default commitment
  if (!COMMITMENTS.includes(commitment)) {
    throw invalidParams(`Invalid params: unknown variant \`${commitment}\`, expected one of \`processed\`, \`confirmed\`, \`finalized\``);
  }
  if (atLeastConfirmed && commitment === 'processed') throw invalidParams('Method does not support commitment below `confirmed`');
  return commitment;
}

function integerParam(value, what, { min = 0, max = Number.MAX_SAFE_INTEGER } = {}) {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalidParams(`Invalid params: ${what} must be an integer in [${min}, ${max}]`);
  }
  return value;
}

function u64Param(value, what) {
  if (typeof value === 'bigint' && value >= 0n && value < 2n ** 64n) return value;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
  throw invalidParams(`Invalid params: ${what} must be a u64 integer`);
}

function required(params, index, what) {
  if (params[index] === undefined) throw invalidParams(`Invalid params: missing ${what}`);
  return params[index];
}

function stringParam(params, index, what) {
  const value = required(params, index, what);
  if (typeof value !== 'string') throw invalidParams(`Invalid params: ${what} must be a string`);
  return value;
}

// ---- shapes -----------------------------------------------------------------------------------------

const context = (slot) => ({ slot, apiVersion: API_VERSION });
const withContext = (slot, value) => ({ context: context(slot), value });

/** Reads at a commitment: checks minContextSlot against that commitment's slot. */
function readSlot(chain, cfg, options) {
  const slot = chain.slotAt(commitmentOf(cfg, options));
  if (cfg.minContextSlot !== undefined && slot < integerParam(cfg.minContextSlot, 'minContextSlot')) {
    throw new RpcError(ErrorCode.MIN_CONTEXT_SLOT_NOT_REACHED, 'Minimum context slot has not been reached', { contextSlot: slot });
  }
  return slot;
}

function encodeAccount(account, cfg, mintDecimalsOf) {
  if (account === null) return null;
  const encoding = cfg.encoding ?? 'binary';
  let bytes = account.data;
  if (cfg.dataSlice !== undefined && encoding !== 'jsonParsed') {
    const offset = integerParam(cfg.dataSlice?.offset, 'dataSlice.offset');
    const length = integerParam(cfg.dataSlice?.length, 'dataSlice.length');
    bytes = bytes.slice(offset, offset + length);
  }
  let data;
  switch (encoding) {
    case 'base64': data = [toBase64(bytes), 'base64']; break;
    case 'base58': case 'binary':
      if (bytes.length > MAX_BASE58_ACCOUNT_BYTES) {
        throw new RpcError(ErrorCode.INVALID_REQUEST, 'Encoded binary (base 58) data should be less than 128 bytes, please use Base64 encoding.');
      }
      data = encoding === 'binary' ? toBase58(bytes) : [toBase58(bytes), 'base58'];
      break;
    case 'jsonParsed':
      // agave falls back to base64 for accounts it has no parser for.
      data = parseAccountData(account, mintDecimalsOf) ?? [toBase64(bytes), 'base64'];
      break;
    case 'base64+zstd':
      throw invalidParams('Invalid params: encoding base64+zstd is not supported by this devnet; use base64');
    default:
      throw invalidParams(`Invalid params: unknown variant \`${encoding}\`, expected one of \`binary\`, \`base58\`, \`base64\`, \`jsonParsed\`, \`base64+zstd\``);
  }
  return {
    data,
    executable: account.executable,
    lamports: account.lamports,
    owner: account.owner,
    rentEpoch: RENT_EPOCH_EXEMPT,
    space: account.data.length,
  };
}

function encodeInstructionJson(ix) {
  return { programIdIndex: ix.programIdIndex, accounts: [...ix.accounts], data: toBase58(ix.data), stackHeight: ix.stackHeight ?? null };
}

function compiledInstructions(decoded) {
  return decoded.message.instructions.map((ix) => ({
    programIdIndex: ix.programAddressIndex,
    accounts: ix.accountIndices ?? [],
    data: ix.data ?? new Uint8Array(),
    stackHeight: null, // agave leaves stackHeight null on top-level instructions it did not record
  }));
}

function parsedInstruction(ix, keys) {
  return parseInstruction(keys[ix.programIdIndex].pubkey, ix.accounts.map((i) => keys[i].pubkey), ix.data, ix.stackHeight ?? null);
}

function addressTableLookups(decoded) {
  return decoded.version === 'legacy' ? undefined : (decoded.message.addressTableLookups ?? []).map((l) => ({
    accountKey: l.lookupTableAddress, writableIndexes: [...l.writableIndexes], readonlyIndexes: [...l.readonlyIndexes],
  }));
}

function encodeTransaction(record, encoding) {
  const { decoded } = record;
  switch (encoding) {
    case 'base64': return [toBase64(decoded.wire), 'base64'];
    case 'base58': return [toBase58(decoded.wire), 'base58'];
    case 'json': {
      const { header } = decoded.message;
      return {
        signatures: decoded.signatureStrings,
        message: {
          accountKeys: [...decoded.message.staticAccounts],
          header: {
            numRequiredSignatures: header.numSignerAccounts,
            numReadonlySignedAccounts: header.numReadonlySignerAccounts,
            numReadonlyUnsignedAccounts: header.numReadonlyNonSignerAccounts,
          },
          recentBlockhash: decoded.message.lifetimeToken,
          instructions: compiledInstructions(decoded).map(encodeInstructionJson),
          addressTableLookups: addressTableLookups(decoded),
        },
      };
    }
    case 'jsonParsed':
      return {
        signatures: decoded.signatureStrings,
        message: {
          accountKeys: record.keys.map(({ pubkey, writable, signer, source }) => ({ pubkey, writable, signer, source })),
          recentBlockhash: decoded.message.lifetimeToken,
          instructions: compiledInstructions(decoded).map((ix) => parsedInstruction(ix, record.keys)),
          addressTableLookups: addressTableLookups(decoded),
        },
      };
    default:
      throw invalidParams(`Invalid params: unknown variant \`${encoding}\`, expected one of \`binary\`, \`base64\`, \`base58\`, \`json\`, \`jsonParsed\``);
  }
}

function encodeMeta(record, encoding) {
  const parsed = encoding === 'jsonParsed';
  const meta = {
    err: record.err,
    status: record.err === null ? { Ok: null } : { Err: record.err },
    fee: record.fee,
    preBalances: record.preBalances,
    postBalances: record.postBalances,
    innerInstructions: record.innerInstructions.map(({ index, instructions }) => ({
      index,
      instructions: instructions.map((ix) => (parsed ? parsedInstruction(ix, record.keys) : encodeInstructionJson(ix))),
    })),
    logMessages: record.logs,
    preTokenBalances: record.preTokenBalances,
    postTokenBalances: record.postTokenBalances,
    rewards: [],
    computeUnitsConsumed: record.computeUnitsConsumed,
  };
  // agave reports loadedAddresses in unparsed metas only; jsonParsed marks keys with `source` instead.
  if (!parsed) meta.loadedAddresses = record.loaded;
  if (record.returnData) meta.returnData = { programId: record.returnData.programId, data: [toBase64(record.returnData.data), 'base64'] };
  return meta;
}

function transactionStatus(chain, record) {
  const commitment = chain.commitmentOfSlot(record.slot);
  return {
    slot: record.slot,
    confirmations: commitment === 'finalized' ? null : chain.processedSlot - record.slot,
    err: record.err,
    status: record.err === null ? { Ok: null } : { Err: record.err },
    confirmationStatus: commitment,
  };
}

/** Decodes sendTransaction/simulateTransaction's first parameter with agave's size limits. */
function decodeTransactionParam(params, cfg) {
  const text = stringParam(params, 0, 'transaction');
  const encoding = cfg.encoding ?? 'base58';
  const maxChars = { base58: 1683, base64: 1644 }[encoding]; // agave MAX_BASE58_SIZE / MAX_BASE64_SIZE
  if (maxChars === undefined) throw invalidParams(`unsupported encoding: ${encoding}. Supported encodings: base58, base64`);
  if (text.length > maxChars) {
    throw invalidParams(`${encoding} encoded solana_transaction::versioned::VersionedTransaction too large: ${text.length} bytes (max: encoded/raw ${maxChars}/${MAX_TRANSACTION_BYTES})`);
  }
  let wire;
  try {
    wire = encoding === 'base58' ? decodeBase58Strict(text) : decodeBase64Strict(text);
  } catch {
    throw invalidParams(`invalid ${encoding} encoding: the transaction is not valid ${encoding}`);
  }
  if (wire.length > MAX_TRANSACTION_BYTES) {
    throw invalidParams(`decoded solana_transaction::versioned::VersionedTransaction too large: ${wire.length} bytes (max: ${MAX_TRANSACTION_BYTES} bytes)`);
  }
  return decodeWireTransaction(wire);
}

/** simulateTransaction's value (also the `data` of a -32002 preflight failure). */
function simulationValue(chain, result, { accountsConfig, innerInstructions, replacement }) {
  const ran = result.pre !== null;
  let accounts = null;
  if (accountsConfig) {
    const addresses = (accountsConfig.addresses ?? []).map((a) => parseAddress(a, 'accounts.addresses'));
    accounts = addresses.map((address) => {
      const i = ran ? result.keys.findIndex((k) => k.pubkey === address) : -1;
      const account = i >= 0 ? result.post[i] : chain.currentAccount(address);
      return encodeAccount(account, { encoding: accountsConfig.encoding ?? 'base64' }, (mint) => chain.mintDecimalsAt(mint, chain.processedSlot));
    });
  }
  const value = {
    err: result.err,
    logs: result.logs,
    accounts,
    unitsConsumed: result.computeUnitsConsumed,
    returnData: result.returnData ? { programId: result.returnData.programId, data: [toBase64(result.returnData.data), 'base64'] } : null,
    fee: result.fee,
    preBalances: ran ? result.pre.map((a) => a?.lamports ?? 0n) : null,
    postBalances: ran ? result.post.map((a) => a?.lamports ?? 0n) : null,
    preTokenBalances: ran ? result.tokenBalances(result.pre) : null,
    postTokenBalances: ran ? result.tokenBalances(result.post) : null,
    loadedAddresses: result.loaded,
    replacementBlockhash: replacement ?? null,
  };
  if (innerInstructions) {
    value.innerInstructions = ran
      ? result.innerInstructions.map(({ index, instructions }) => ({ index, instructions: instructions.map((ix) => parsedInstruction(ix, result.keys)) }))
      : null;
  }
  return value;
}

// ---- methods ----------------------------------------------------------------------------------------

/** Builds the method table for one chain. Each handler takes the positional params array. */
export function createMethods(chain) {
  const decimalsAt = (slot) => (mint) => chain.mintDecimalsAt(mint, slot);

  return {
    getHealth: () => 'ok',

    getVersion: () => ({ 'solana-core': API_VERSION, 'feature-set': 0 }),

    getSlot: (params) => readSlot(chain, config(params, 0)),

    getBlockHeight: (params) => chain.blockHeightAt(readSlot(chain, config(params, 0))),

    getLatestBlockhash: (params) => {
      const cfg = config(params, 0);
      const slot = readSlot(chain, cfg);
      const latest = chain.latestBlockhash(commitmentOf(cfg));
      return withContext(slot, { blockhash: latest.blockhash, lastValidBlockHeight: latest.lastValidBlockHeight });
    },

    isBlockhashValid: (params) => {
      const hash = stringParam(params, 0, 'blockhash');
      const slot = readSlot(chain, config(params, 1));
      return withContext(slot, chain.isBlockhashValid(hash, slot));
    },

    getBalance: (params) => {
      const address = parseAddress(stringParam(params, 0, 'pubkey'));
      const slot = readSlot(chain, config(params, 1));
      return withContext(slot, chain.accountAt(address, slot)?.lamports ?? 0n);
    },

    getAccountInfo: (params) => {
      const address = parseAddress(stringParam(params, 0, 'pubkey'));
      const cfg = config(params, 1);
      const slot = readSlot(chain, cfg);
      return withContext(slot, encodeAccount(chain.accountAt(address, slot), cfg, decimalsAt(slot)));
    },

    getMultipleAccounts: (params) => {
      const addresses = required(params, 0, 'pubkeys');
      if (!Array.isArray(addresses)) throw invalidParams('Invalid params: pubkeys must be an array');
      if (addresses.length > MAX_MULTIPLE_ACCOUNTS) throw invalidParams(`Too many inputs provided; max ${MAX_MULTIPLE_ACCOUNTS}`);
      addresses.forEach((a) => parseAddress(a));
      const cfg = config(params, 1);
      const slot = readSlot(chain, cfg);
      // Unlike getAccountInfo (legacy base58 string), getMultipleAccounts defaults to base64.
      const encodingConfig = { ...cfg, encoding: cfg.encoding ?? 'base64' };
      return withContext(slot, addresses.map((a) => encodeAccount(chain.accountAt(a, slot), encodingConfig, decimalsAt(slot))));
    },

    getTokenAccountBalance: (params) => {
      const address = parseAddress(stringParam(params, 0, 'pubkey'));
      const slot = readSlot(chain, config(params, 1));
      const token = decodeTokenAccount(chain.accountAt(address, slot));
      const decimals = token ? chain.mintDecimalsAt(token.mint, slot) : null;
      if (!token || decimals === null) throw invalidParams('Invalid param: not a Token account');
      return withContext(slot, uiTokenAmount(token.amount, decimals));
    },

    getBlockTime: (params) => {
      const slot = integerParam(required(params, 0, 'slot'), 'slot');
      // agave answers for blocks that are at least confirmed; later ones are not available yet.
      if (slot > chain.slotAt('confirmed')) {
        throw new RpcError(ErrorCode.BLOCK_NOT_AVAILABLE, `Block not available for slot ${slot}`);
      }
      return chain.blockTimeOf(slot);
    },

    getMinimumBalanceForRentExemption: (params) => {
      const space = integerParam(params[0] ?? 0, 'account data length', { max: 10 * 1024 * 1024 });
      readSlot(chain, config(params, 1));
      return chain.minimumBalanceForRentExemption(space);
    },

    getSignaturesForAddress: (params) => {
      const address = parseAddress(stringParam(params, 0, 'address'));
      const cfg = config(params, 1);
      const commitment = commitmentOf(cfg, { atLeastConfirmed: true });
      readSlot(chain, cfg, { atLeastConfirmed: true });
      const limit = cfg.limit === undefined ? MAX_SIGNATURES_FOR_ADDRESS : cfg.limit;
      if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > MAX_SIGNATURES_FOR_ADDRESS) {
        throw invalidParams(`Invalid limit; max ${MAX_SIGNATURES_FOR_ADDRESS}`);
      }
      const before = cfg.before === undefined ? undefined : parseSignature(cfg.before);
      const until = cfg.until === undefined ? undefined : parseSignature(cfg.until);
      return chain.signaturesForAddress(address, { before, until, limit, commitment }).map((record) => ({
        signature: record.signature,
        slot: record.slot,
        err: record.err,
        memo: formatMemos(compiledInstructions(record.decoded).map((ix) => ({ programId: record.keys[ix.programIdIndex].pubkey, data: ix.data }))),
        blockTime: chain.blockTimeOf(record.slot),
        confirmationStatus: chain.commitmentOfSlot(record.slot),
      }));
    },

    getTransaction: (params) => {
      const signature = parseSignature(stringParam(params, 0, 'signature'));
      // A bare string second parameter is the legacy form of {encoding}.
      const cfg = typeof params[1] === 'string' ? { encoding: params[1] } : config(params, 1);
      const commitment = commitmentOf(cfg, { atLeastConfirmed: true });
      const encoding = cfg.encoding ?? 'json';
      const maxVersion = cfg.maxSupportedTransactionVersion;
      if (maxVersion !== undefined && maxVersion !== 0) throw invalidParams('Invalid params: maxSupportedTransactionVersion must be 0');
      const record = chain.transactionAt(signature, commitment);
      if (!record) return null;
      if (record.decoded.version !== 'legacy' && maxVersion === undefined) {
        throw new RpcError(ErrorCode.UNSUPPORTED_TRANSACTION_VERSION,
          `Transaction version (${record.decoded.version}) is not supported by the requesting client. Please try the request again with the following configuration parameter: "maxSupportedTransactionVersion": ${record.decoded.version}`);
      }
      return {
        slot: record.slot,
        transaction: encodeTransaction(record, encoding),
        meta: encodeMeta(record, encoding),
        blockTime: chain.blockTimeOf(record.slot),
        version: maxVersion === undefined ? undefined : record.decoded.version,
      };
    },

    getSignatureStatuses: (params) => {
      const signatures = required(params, 0, 'signatures');
      if (!Array.isArray(signatures)) throw invalidParams('Invalid params: signatures must be an array');
      if (signatures.length > MAX_SIGNATURE_STATUSES) throw invalidParams(`Too many inputs provided; max ${MAX_SIGNATURE_STATUSES}`);
      signatures.forEach(parseSignature);
      const cfg = config(params, 1);
      const history = cfg.searchTransactionHistory === true;
      return withContext(chain.processedSlot, signatures.map((s) => {
        const record = chain.statusOf(s, history);
        return record ? transactionStatus(chain, record) : null;
      }));
    },

    sendTransaction: (params) => {
      const cfg = config(params, 1);
      const decoded = decodeTransactionParam(params, cfg);
      const signature = decoded.signatureStrings[0];
      if (!cfg.skipPreflight) {
        if (!verifySignatures(decoded)) {
          throw new RpcError(ErrorCode.TRANSACTION_SIGNATURE_VERIFICATION_FAILURE, 'Transaction signature verification failure');
        }
        readSlot(chain, { commitment: cfg.preflightCommitment ?? 'finalized', minContextSlot: cfg.minContextSlot });
        const preflight = chain.simulate(decoded);
        if (preflight.err !== null) {
          throw new RpcError(ErrorCode.SEND_TRANSACTION_PREFLIGHT_FAILURE,
            `Transaction simulation failed: ${transactionErrorText(preflight.err)}`,
            simulationValue(chain, preflight, { innerInstructions: true }));
        }
      } else if (!verifySignatures(decoded)) {
        return signature; // the leader's sigverify drops it: it never lands, as on a cluster
      }
      chain.execute(decoded); // without preflight, a transaction the runtime rejects simply never lands
      return signature;
    },

    simulateTransaction: (params) => {
      const cfg = config(params, 1);
      let decoded = decodeTransactionParam(params, cfg);
      if (cfg.sigVerify && cfg.replaceRecentBlockhash) {
        throw invalidParams('sigVerify may not be used with replaceRecentBlockhash');
      }
      readSlot(chain, { commitment: cfg.commitment, minContextSlot: cfg.minContextSlot });
      if (cfg.sigVerify && !verifySignatures(decoded)) {
        throw new RpcError(ErrorCode.TRANSACTION_SIGNATURE_VERIFICATION_FAILURE, 'Transaction signature verification failure');
      }
      let replacement;
      if (cfg.replaceRecentBlockhash) {
        const latest = chain.latestBlockhash('processed');
        replacement = { blockhash: latest.blockhash, lastValidBlockHeight: latest.lastValidBlockHeight };
        decoded = replaceBlockhash(decoded, latest.blockhash);
      }
      const result = chain.simulate(decoded);
      // The simulation runs on the processed state whatever the commitment (see README), so the
      // context reports the processed slot.
      return withContext(chain.slotAt('processed'), simulationValue(chain, result, {
        accountsConfig: cfg.accounts, innerInstructions: cfg.innerInstructions === true, replacement,
      }));
    },

    requestAirdrop: (params) => {
      const recipient = parseAddress(stringParam(params, 0, 'pubkey'));
      const amount = u64Param(required(params, 1, 'lamports'), 'lamports');
      readSlot(chain, config(params, 2));
      const wire = chain.buildAirdrop(recipient, amount);
      const outcome = chain.execute(decodeWireTransaction(wire));
      if (!outcome.landed || outcome.record.err !== null) {
        throw new RpcError(ErrorCode.INTERNAL_ERROR, `airdrop request failed: ${transactionErrorText(outcome.landed ? outcome.record.err : outcome.err)}`);
      }
      return outcome.record.signature;
    },

    // ---- controls for tests (not part of Solana's API) ----

    devnet_advanceSlots: (params) => chain.advanceSlots(integerParam(params[0] ?? 1, 'slot count', { min: 1, max: 1_000_000 })),

    devnet_setAccount: (params) => {
      const address = parseAddress(stringParam(params, 0, 'pubkey'));
      const spec = required(params, 1, 'account');
      if (typeof spec !== 'object' || spec === null) throw invalidParams('Invalid params: account must be an object');
      let data = new Uint8Array();
      const dataText = Array.isArray(spec.data) ? spec.data[0] : spec.data;
      if (dataText !== undefined) {
        try {
          data = decodeBase64Strict(dataText);
        } catch {
          throw invalidParams('Invalid params: account.data must be base64');
        }
      }
      const slot = chain.setAccount(address, {
        lamports: u64Param(spec.lamports, 'account.lamports'),
        data,
        owner: spec.owner === undefined ? '11111111111111111111111111111111' : parseAddress(spec.owner, 'account.owner'),
        executable: spec.executable === true,
      });
      return { slot };
    },

    devnet_dropTransaction: (params) => {
      const signature = parseSignature(stringParam(params, 0, 'signature'));
      const result = chain.dropTransaction(signature);
      if (result.error) throw invalidParams(result.error);
      return { signature, slot: result.record.slot, revertedAccounts: result.record.written };
    },

    devnet_expireBlockhash: () => {
      const latest = chain.expireBlockhashes();
      return { blockhash: latest.blockhash, lastValidBlockHeight: latest.lastValidBlockHeight };
    },

    devnet_getStatus: () => ({
      processed: chain.slotAt('processed'),
      confirmed: chain.slotAt('confirmed'),
      finalized: chain.slotAt('finalized'),
      blockHeight: chain.blockHeightAt(chain.processedSlot),
      confirmedLag: chain.confirmedLag,
      finalizedLag: chain.finalizedLag,
      transactionCount: chain.transactions.size,
      faucet: chain.faucet.address,
      litesvmVersion: LITESVM_VERSION,
    }),
  };
}
