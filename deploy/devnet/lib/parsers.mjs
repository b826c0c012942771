// jsonParsed: Solana's parsed forms of SPL Token accounts and of the instructions this devnet's
// users send (System, SPL Token, Associated Token Account, Memo).
//
// Field names and shapes follow agave's account-decoder (parse_token.rs) and transaction-status
// parsers (parse_system.rs, parse_token.rs, parse_associated_token.rs, parse_memo). An instruction
// or account without a parser here is returned in its raw form, as agave does for unknown programs.

import { readU32Le, readU64Le, toBase58 } from './encoding.mjs';

export const SYSTEM_PROGRAM = '11111111111111111111111111111111';
export const TOKEN_PROGRAM = 'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA';
export const TOKEN_2022_PROGRAM = 'TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb';
export const ASSOCIATED_TOKEN_PROGRAM = 'ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL';
export const MEMO_PROGRAMS = new Set(['MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr', 'Memo1UhkJRfHyvLMcVucJwxXeuD728EqVDDwQDxFMNo']);

const TOKEN_PROGRAMS = new Map([[TOKEN_PROGRAM, 'spl-token'], [TOKEN_2022_PROGRAM, 'spl-token-2022']]);

// SPL Token state layouts (spl-token state.rs, Pack): Mint 82 bytes, Account 165 bytes.
const MINT_SIZE = 82;
const TOKEN_ACCOUNT_SIZE = 165;
const ACCOUNT_STATES = ['uninitialized', 'initialized', 'frozen'];

const address = (data, offset) => toBase58(data.slice(offset, offset + 32));
/** COption<Pubkey>: u32 tag (0 none, 1 some) then 32 bytes. */
const optionalAddress = (data, offset) => (readU32Le(data, offset) === 1 ? address(data, offset + 4) : null);

/**
 * spl-token's `amount_to_ui_amount_string_trimmed`: the decimal string without trailing zeros
 * ("1.5", "1", "0"), and uiAmount as the nearest double (informational; `amount` is exact).
 */
export function uiTokenAmount(amount, decimals) {
  const digits = amount.toString().padStart(decimals + 1, '0');
  let text = decimals === 0 ? digits : `${digits.slice(0, -decimals)}.${digits.slice(-decimals)}`;
  if (decimals > 0) text = text.replace(/0+$/, '').replace(/\.$/, '');
  return { amount: amount.toString(), decimals, uiAmount: Number(text), uiAmountString: text };
}

/** Decoded SPL token account (base layout) or null when the bytes are not an initialized one. */
export function decodeTokenAccount(account) {
  if (!account || !TOKEN_PROGRAMS.has(account.owner)) return null;
  const data = account.data;
  // Token-2022 accounts with extensions are longer; their account type byte at 165 is 2 (Account).
  const sized = data.length === TOKEN_ACCOUNT_SIZE || (account.owner === TOKEN_2022_PROGRAM && data.length > TOKEN_ACCOUNT_SIZE && data[TOKEN_ACCOUNT_SIZE] === 2);
  if (!sized || data[108] === 0) return null;
  const nativeReserve = readU32Le(data, 109) === 1 ? readU64Le(data, 113) : null;
  return {
    mint: address(data, 0),
    owner: address(data, 32),
    amount: readU64Le(data, 64),
    delegate: optionalAddress(data, 72),
    state: ACCOUNT_STATES[data[108]] ?? 'uninitialized',
    nativeReserve,
    delegatedAmount: readU64Le(data, 121),
    closeAuthority: optionalAddress(data, 129),
    programId: account.owner,
  };
}

/** Decoded SPL mint or null. */
export function decodeMint(account) {
  if (!account || !TOKEN_PROGRAMS.has(account.owner)) return null;
  const data = account.data;
  const sized = data.length === MINT_SIZE || (account.owner === TOKEN_2022_PROGRAM && data.length > TOKEN_ACCOUNT_SIZE && data[TOKEN_ACCOUNT_SIZE] === 1);
  if (!sized || data[45] === 0) return null;
  return {
    mintAuthority: optionalAddress(data, 0),
    supply: readU64Le(data, 36),
    decimals: data[44],
    isInitialized: true,
    freezeAuthority: optionalAddress(data, 46),
  };
}

/**
 * getAccountInfo's jsonParsed `data` for SPL Token accounts and mints, or null when this devnet
 * has no parser for the account (the caller then falls back to base64, as agave does).
 * Token-2022 extensions are not parsed, so such accounts fall back too.
 */
export function parseAccountData(account, mintDecimalsOf) {
  const program = TOKEN_PROGRAMS.get(account.owner);
  if (!program || (account.data.length !== TOKEN_ACCOUNT_SIZE && account.data.length !== MINT_SIZE)) return null;
  const space = account.data.length;
  const token = decodeTokenAccount(account);
  if (token) {
    const decimals = mintDecimalsOf(token.mint);
    if (decimals === null) return null; // agave cannot parse a token account whose mint is missing
    const info = {
      isNative: token.nativeReserve !== null,
      mint: token.mint,
      owner: token.owner,
      state: token.state,
      tokenAmount: uiTokenAmount(token.amount, decimals),
    };
    if (token.delegate) {
      info.delegate = token.delegate;
      info.delegatedAmount = uiTokenAmount(token.delegatedAmount, decimals);
    }
    if (token.nativeReserve !== null) info.rentExemptReserve = uiTokenAmount(token.nativeReserve, decimals);
    if (token.closeAuthority) info.closeAuthority = token.closeAuthority;
    return { program, parsed: { type: 'account', info }, space };
  }
  const mint = decodeMint(account);
  if (mint) {
    return { program, parsed: { type: 'mint', info: { ...mint, supply: mint.supply.toString() } }, space };
  }
  return null;
}

/**
 * meta.preTokenBalances / postTokenBalances: one entry per account key that is an initialized
 * token account in the given state, in account-key order.
 */
export function tokenBalances(accountKeys, accountAt, mintDecimalsOf) {
  const balances = [];
  accountKeys.forEach((key, accountIndex) => {
    const token = decodeTokenAccount(accountAt(accountIndex));
    if (!token) return;
    const decimals = mintDecimalsOf(token.mint);
    if (decimals === null) return;
    balances.push({
      accountIndex,
      mint: token.mint,
      owner: token.owner,
      programId: token.programId,
      uiTokenAmount: uiTokenAmount(token.amount, decimals),
    });
  });
  return balances;
}

// ---- instructions -------------------------------------------------------------------------------

/**
 * One instruction in jsonParsed form: {program, programId, parsed, stackHeight} when a parser
 * knows it, else the partially decoded {programId, accounts, data(base58), stackHeight}.
 */
export function parseInstruction(programId, accounts, data, stackHeight) {
  let parsed = null;
  try {
    parsed = parseKnown(programId, accounts, data);
  } catch {
    parsed = null; // malformed data for a known program: agave falls back to the raw form too
  }
  if (parsed) return { ...parsed, programId, stackHeight };
  return { accounts, data: toBase58(data), programId, stackHeight };
}

function parseKnown(programId, accounts, data) {
  if (programId === SYSTEM_PROGRAM) return wrap('system', parseSystem(accounts, data));
  if (TOKEN_PROGRAMS.has(programId)) return wrap(TOKEN_PROGRAMS.get(programId), parseToken(accounts, data));
  if (programId === ASSOCIATED_TOKEN_PROGRAM) return wrap('spl-associated-token-account', parseAssociatedToken(accounts, data));
  if (MEMO_PROGRAMS.has(programId)) return { program: 'spl-memo', parsed: new TextDecoder('utf-8', { fatal: true }).decode(data) };
  return null;
}

const wrap = (program, parsed) => (parsed ? { program, parsed } : null);

function need(accounts, n) {
  if (accounts.length < n) throw new Error('not enough accounts');
}

// System program instructions: u32 LE discriminant then bincode fields (system_instruction.rs).
function parseSystem(accounts, data) {
  const kind = readU32Le(data, 0);
  switch (kind) {
    case 0: need(accounts, 2);
      return { type: 'createAccount', info: { source: accounts[0], newAccount: accounts[1], lamports: readU64Le(data, 4), space: readU64Le(data, 12), owner: address(data, 20) } };
    case 1: need(accounts, 1);
      return { type: 'assign', info: { account: accounts[0], owner: address(data, 4) } };
    case 2: need(accounts, 2);
      return { type: 'transfer', info: { source: accounts[0], destination: accounts[1], lamports: readU64Le(data, 4) } };
    case 8: need(accounts, 1);
      return { type: 'allocate', info: { account: accounts[0], space: readU64Le(data, 4) } };
    default:
      return null;
  }
}

// SPL Token instructions: u8 discriminant then packed fields (spl-token instruction.rs).
function parseToken(accounts, data) {
  const amountAt = (offset) => readU64Le(data, offset).toString();
  const checked = (offset) => uiTokenAmount(readU64Le(data, offset), data[offset + 8]);
  const optionalKey = (offset) => (data[offset] === 1 ? address(data, offset + 1) : null);
  switch (data[0]) {
    case 0: case 20: { // InitializeMint / InitializeMint2: decimals u8, mint authority, COption freeze authority
      need(accounts, data[0] === 0 ? 2 : 1);
      const info = { mint: accounts[0], decimals: data[1], mintAuthority: address(data, 2) };
      const freeze = optionalKey(34);
      if (freeze) info.freezeAuthority = freeze;
      if (data[0] === 0) info.rentSysvar = accounts[1];
      return { type: data[0] === 0 ? 'initializeMint' : 'initializeMint2', info };
    }
    case 1: need(accounts, 4);
      return { type: 'initializeAccount', info: { account: accounts[0], mint: accounts[1], owner: accounts[2], rentSysvar: accounts[3] } };
    case 16: need(accounts, 3);
      return { type: 'initializeAccount2', info: { account: accounts[0], mint: accounts[1], owner: address(data, 1), rentSysvar: accounts[2] } };
    case 18: need(accounts, 2);
      return { type: 'initializeAccount3', info: { account: accounts[0], mint: accounts[1], owner: address(data, 1) } };
    case 3: need(accounts, 3);
      return { type: 'transfer', info: withAuthority({ source: accounts[0], destination: accounts[1], amount: amountAt(1) }, accounts, 2, 'authority') };
    case 4: need(accounts, 3);
      return { type: 'approve', info: withAuthority({ source: accounts[0], delegate: accounts[1], amount: amountAt(1) }, accounts, 2, 'owner') };
    case 5: need(accounts, 2);
      return { type: 'revoke', info: withAuthority({ source: accounts[0] }, accounts, 1, 'owner') };
    case 7: need(accounts, 3);
      return { type: 'mintTo', info: withAuthority({ mint: accounts[0], account: accounts[1], amount: amountAt(1) }, accounts, 2, 'mintAuthority') };
    case 8: need(accounts, 3);
      return { type: 'burn', info: withAuthority({ account: accounts[0], mint: accounts[1], amount: amountAt(1) }, accounts, 2, 'authority') };
    case 9: need(accounts, 3);
      return { type: 'closeAccount', info: withAuthority({ account: accounts[0], destination: accounts[1] }, accounts, 2, 'owner') };
    case 12: need(accounts, 4);
      return { type: 'transferChecked', info: withAuthority({ source: accounts[0], mint: accounts[1], destination: accounts[2], tokenAmount: checked(1) }, accounts, 3, 'authority') };
    case 14: need(accounts, 3);
      return { type: 'mintToChecked', info: withAuthority({ mint: accounts[0], account: accounts[1], tokenAmount: checked(1) }, accounts, 2, 'mintAuthority') };
    case 15: need(accounts, 3);
      return { type: 'burnChecked', info: withAuthority({ account: accounts[0], mint: accounts[1], tokenAmount: checked(1) }, accounts, 2, 'authority') };
    case 17: need(accounts, 1);
      return { type: 'syncNative', info: { account: accounts[0] } };
    case 21: need(accounts, 1);
      return { type: 'getAccountDataSize', info: { mint: accounts[0] } };
    case 22: need(accounts, 1);
      return { type: 'initializeImmutableOwner', info: { account: accounts[0] } };
    default:
      return null;
  }
}

/** A single authority, or a multisig with its signers (accounts after the authority). */
function withAuthority(info, accounts, index, name) {
  const signers = accounts.slice(index + 1);
  if (signers.length === 0) return { ...info, [name]: accounts[index] };
  const multisigName = `multisig${name[0].toUpperCase()}${name.slice(1)}`;
  return { ...info, [multisigName]: accounts[index], signers };
}

// Associated Token Account: empty data or 0 = Create, 1 = CreateIdempotent (ata instruction.rs).
function parseAssociatedToken(accounts, data) {
  const kind = data.length === 0 ? 0 : data[0];
  if (kind !== 0 && kind !== 1) return null;
  need(accounts, 6);
  return {
    type: kind === 0 ? 'create' : 'createIdempotent',
    info: { source: accounts[0], account: accounts[1], wallet: accounts[2], mint: accounts[3], systemProgram: accounts[4], tokenProgram: accounts[5] },
  };
}

/**
 * getSignaturesForAddress's `memo`: agave's extract_and_fmt_memos, "[<byte length>] <text>" per
 * Memo instruction ("(unparseable)" for data that is not UTF-8), joined with "; ", or null.
 */
export function formatMemos(instructions) {
  const memos = instructions
    .filter((ix) => MEMO_PROGRAMS.has(ix.programId))
    .map((ix) => `[${ix.data.length}] ${utf8OrUnparseable(ix.data)}`);
  return memos.length ? memos.join('; ') : null;
}

function utf8OrUnparseable(bytes) {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return '(unparseable)';
  }
}
