// The chain: LiteSVM's current state plus what LiteSVM does not keep — slots and commitments,
// blockhashes, the transaction history, and a journal of account writes so that any commitment
// level can be read and a not-yet-finalized transaction can be taken back as a fork would.
//
// LiteSVM holds one state (the processed tip). Before a transaction runs, the pre-state of every
// account it references is captured; the accounts it changed are journaled as
// (slot, pre-state). The state at an older slot S is then, per account, the pre-state of its
// first write after S, or the current state when there is none.

import { readFileSync } from 'node:fs';
import { LiteSVM } from 'litesvm';
import { address as toAddress, lamports as toLamports } from '@solana/kit';
import { transactionErrorJson } from './errors.mjs';
import {
  accountKeysOf, fromBase58, hashToBase58, keypairFromLabel, resolveLookups, toBase58, u64Le, writeCompactU16,
} from './encoding.mjs';
import { SYSTEM_PROGRAM, decodeMint, tokenBalances } from './parsers.mjs';

export const LITESVM_VERSION = JSON.parse(
  readFileSync(new URL('../node_modules/litesvm/package.json', import.meta.url), 'utf8')).version;

/** agave's fee_structure: 5000 lamports per signature. */
const LAMPORTS_PER_SIGNATURE = 5000n;
/** MAX_PROCESSING_AGE: a blockhash is valid for 150 blocks after its own (lastValidBlockHeight). */
export const MAX_PROCESSING_AGE = 150;
/** Status cache depth (MAX_RECENT_BLOCKHASHES × 2): getSignatureStatuses without history. */
const STATUS_CACHE_SLOTS = 300;
/** The faucet starts with 1e9 SOL (1e18 lamports), far beyond what any test asks for. */
const FAUCET_LAMPORTS = 1_000_000_000_000_000_000n;
const MEMO_PROGRAM = 'MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr';
const COMPUTE_BUDGET_PROGRAM = 'ComputeBudget111111111111111111111111111111';
/** agave's MAX_COMPUTE_UNIT_LIMIT per transaction. */
const MAX_COMPUTE_UNIT_LIMIT = 1_400_000n;
/** Programs the runtime implements natively (not SBF): they get the small default unit reservation. */
const BUILTIN_PROGRAMS = new Set([
  SYSTEM_PROGRAM, COMPUTE_BUDGET_PROGRAM, 'AddressLookupTab1e1111111111111111111111111',
  'BPFLoaderUpgradeab1e11111111111111111111111', 'BPFLoader2111111111111111111111111111111111',
  'BPFLoader1111111111111111111111111111111111', 'LoaderV411111111111111111111111111111111111',
  'Vote111111111111111111111111111111111111111', 'Stake11111111111111111111111111111111111111',
  'Config1111111111111111111111111111111111111',
]);

export const COMMITMENTS = ['processed', 'confirmed', 'finalized'];

export class Chain {
  constructor({ confirmedLag, finalizedLag, now = () => Date.now() }) {
    this.confirmedLag = confirmedLag;
    this.finalizedLag = finalizedLag;
    this.now = now;
    // Sigverify and the blockhash check are ours (we own blockhash validity windows and report
    // signature failures as agave's -32003); history is ours so that a dropped transaction can land again.
    this.svm = new LiteSVM().withSigverify(false).withBlockhashCheck(false).withTransactionHistory(0n);
    this.slotTimes = new Map(); // slot -> blockTime (unix seconds)
    this.blockhashes = new Map(); // base58 -> { slot, generation }
    this.generation = 0; // bumped by expireBlockhash: every hash handed out before becomes invalid
    this.transactions = new Map(); // signature -> TransactionRecord
    this.addressIndex = new Map(); // address -> [signature] in execution order
    this.journal = new Map(); // address -> [{ seq, slot, signature, pre }] in execution order
    this.seq = 0; // execution order across all writes and transactions
    this.airdropCount = 0;
    this.faucet = keypairFromLabel('clearing-devnet faucet');
    // Start with finalized at slot 0 so that every commitment has a slot from the first request on.
    this.processedSlot = finalizedLag;
    for (let slot = 0; slot <= this.processedSlot; slot++) this.slotTimes.set(slot, this.#unixNow());
    this.#syncClock();
    this.#writeAccount(this.faucet.address, { lamports: FAUCET_LAMPORTS, data: new Uint8Array(), owner: SYSTEM_PROGRAM, executable: false });
  }

  // ---- slots and commitments --------------------------------------------------------------------

  slotAt(commitment = 'finalized') {
    const lag = { processed: 0, confirmed: this.confirmedLag, finalized: this.finalizedLag }[commitment];
    return Math.max(0, this.processedSlot - lag);
  }

  /** Block height follows slot one to one: this devnet never skips a slot. */
  blockHeightAt(slot) {
    return slot;
  }

  blockTimeOf(slot) {
    return this.slotTimes.get(slot) ?? null;
  }

  commitmentOfSlot(slot) {
    if (slot <= this.slotAt('finalized')) return 'finalized';
    if (slot <= this.slotAt('confirmed')) return 'confirmed';
    return 'processed';
  }

  advanceSlots(count) {
    for (let i = 0; i < count; i++) {
      this.processedSlot += 1;
      this.slotTimes.set(this.processedSlot, this.#unixNow());
    }
    this.#syncClock();
    this.#pruneJournal();
    return this.processedSlot;
  }

  #unixNow() {
    return Math.floor(this.now() / 1000);
  }

  /** The Clock sysvar follows our slot so programs see the same slot and time as RPC readers. */
  #syncClock() {
    const clock = this.svm.getClock();
    clock.slot = BigInt(this.processedSlot);
    clock.unixTimestamp = BigInt(this.blockTimeOf(this.processedSlot));
    this.svm.setClock(clock);
  }

  /** Writes at or before the finalized slot can never be read back or dropped again. */
  #pruneJournal() {
    const finalized = this.slotAt('finalized');
    for (const [address, writes] of this.journal) {
      const keep = writes.filter((w) => w.slot > finalized);
      if (keep.length === 0) this.journal.delete(address);
      else if (keep.length !== writes.length) this.journal.set(address, keep);
    }
  }

  // ---- blockhashes ------------------------------------------------------------------------------

  blockhashOf(slot) {
    const hash = hashToBase58(`clearing-devnet blockhash ${this.generation} ${slot}`);
    if (!this.blockhashes.has(hash)) this.blockhashes.set(hash, { slot, generation: this.generation });
    return hash;
  }

  latestBlockhash(commitment) {
    const slot = this.slotAt(commitment);
    return {
      slot,
      blockhash: this.blockhashOf(slot),
      lastValidBlockHeight: this.blockHeightAt(slot) + MAX_PROCESSING_AGE,
    };
  }

  /** Valid at `atSlot`: handed out by a slot not after it, not expired by age or by devnet_expireBlockhash. */
  isBlockhashValid(hash, atSlot = this.processedSlot) {
    const origin = this.blockhashes.get(hash);
    return origin !== undefined
      && origin.generation === this.generation
      && origin.slot <= atSlot
      && this.blockHeightAt(atSlot) <= this.blockHeightAt(origin.slot) + MAX_PROCESSING_AGE;
  }

  /** Expires every blockhash handed out so far; returns the new latest (processed) blockhash. */
  expireBlockhashes() {
    this.generation += 1;
    this.svm.expireBlockhash();
    return this.latestBlockhash('processed');
  }

  // ---- accounts ---------------------------------------------------------------------------------

  /** Current (processed) state of an account: {lamports, data, owner, executable} or null. */
  currentAccount(address) {
    const account = this.svm.getAccount(toAddress(address));
    if (!account.exists || account.lamports === 0n) return null; // zero lamports = no account, as in Solana
    return { lamports: account.lamports, data: account.data, owner: account.programAddress, executable: account.executable };
  }

  /** State of an account as of `slot` (see the journal note at the top of this file). */
  accountAt(address, slot) {
    if (slot < this.processedSlot) {
      const firstLaterWrite = this.journal.get(address)?.find((w) => w.slot > slot);
      if (firstLaterWrite) return firstLaterWrite.pre;
    }
    return this.currentAccount(address);
  }

  mintDecimalsAt(mint, slot) {
    return decodeMint(this.accountAt(mint, slot))?.decimals ?? null;
  }

  #writeAccount(address, account) {
    this.svm.setAccount({
      address: toAddress(address),
      lamports: toLamports(account?.lamports ?? 0n),
      data: account?.data ?? new Uint8Array(),
      programAddress: toAddress(account?.owner ?? SYSTEM_PROGRAM),
      executable: account?.executable ?? false,
    });
  }

  #journalWrite(address, pre, signature) {
    const writes = this.journal.get(address) ?? [];
    writes.push({ seq: this.seq, slot: this.processedSlot, signature, pre });
    this.journal.set(address, writes);
  }

  /** devnet_setAccount: an out-of-band write, journaled like a transaction's so commitments see it in order. */
  setAccount(address, account) {
    this.seq += 1;
    this.#journalWrite(address, this.currentAccount(address), null);
    this.#writeAccount(address, account);
    return this.processedSlot;
  }

  minimumBalanceForRentExemption(space) {
    return this.svm.minimumBalanceForRentExemption(BigInt(space));
  }

  // ---- transactions -----------------------------------------------------------------------------

  /**
   * Base fee (5000 lamports per signature) plus the prioritization fee: compute-unit price
   * (micro-lamports per unit) × compute-unit limit, rounded up to whole lamports.
   */
  feeOf(decoded) {
    const base = LAMPORTS_PER_SIGNATURE * BigInt(decoded.signatures.length);
    const keys = decoded.message.staticAccounts;
    let requestedLimit = null;
    let microLamportsPerUnit = 0n;
    let defaultLimit = 0;
    for (const ix of decoded.message.instructions) {
      const program = keys[ix.programAddressIndex];
      const data = ix.data ?? new Uint8Array();
      if (program === COMPUTE_BUDGET_PROGRAM && data[0] === 2 && data.length >= 5) {
        requestedLimit = BigInt(new DataView(data.buffer, data.byteOffset).getUint32(1, true));
      } else if (program === COMPUTE_BUDGET_PROGRAM && data[0] === 3 && data.length >= 9) {
        microLamportsPerUnit = new DataView(data.buffer, data.byteOffset).getBigUint64(1, true);
      }
      // Without SetComputeUnitLimit, agave (SIMD-0170) reserves 3000 units per builtin-program
      // instruction (ComputeBudget ones included) and 200k per other instruction.
      defaultLimit += BUILTIN_PROGRAMS.has(program) ? 3_000 : 200_000;
    }
    const limit = requestedLimit ?? BigInt(defaultLimit);
    const cappedLimit = limit < MAX_COMPUTE_UNIT_LIMIT ? limit : MAX_COMPUTE_UNIT_LIMIT;
    const priority = (microLamportsPerUnit * cappedLimit + 999_999n) / 1_000_000n;
    return base + priority;
  }

  /**
   * Loads what the runtime would: lookup tables, then the pre-state of every account key.
   * Returns { error } for a failure before execution (nothing lands).
   */
  #load(decoded) {
    const lookups = resolveLookups(decoded.message, (address) => this.currentAccount(address));
    if (lookups.error) return { error: lookups.error };
    const keys = accountKeysOf(decoded.message, lookups.loaded);
    const pre = keys.map((k) => this.currentAccount(k.pubkey));
    return { loaded: lookups.loaded, keys, pre };
  }

  /** The checks agave makes before executing: status cache, then blockhash age. */
  #precheck(decoded) {
    if (this.transactions.has(decoded.signatureStrings[0])) return 'AlreadyProcessed';
    if (!this.isBlockhashValid(decoded.message.lifetimeToken)) return 'BlockhashNotFound';
    return null;
  }

  #toKitTransaction(decoded) {
    const signatures = {};
    decoded.signatures.forEach((signature, i) => { signatures[decoded.message.staticAccounts[i]] = signature; });
    return { messageBytes: decoded.messageBytes, signatures };
  }

  #mintDecimalsIn(keys, states) {
    return (mint) => {
      const i = keys.findIndex((k) => k.pubkey === mint);
      const decimals = i >= 0 ? decodeMint(states[i])?.decimals : undefined;
      return decimals ?? this.mintDecimalsAt(mint, this.processedSlot);
    };
  }

  #metaFrom(svmMeta) {
    const innerInstructions = [];
    svmMeta.innerInstructions().forEach((list, index) => {
      if (list.length === 0) return;
      innerInstructions.push({
        index,
        instructions: list.map((inner) => {
          const ix = inner.instruction();
          return { programIdIndex: ix.programIdIndex(), accounts: [...ix.accounts()], data: ix.data(), stackHeight: inner.stackHeight() };
        }),
      });
    });
    const returnData = svmMeta.returnData();
    const returnBytes = returnData.data();
    return {
      logs: svmMeta.logs(),
      innerInstructions,
      computeUnitsConsumed: svmMeta.computeUnitsConsumed(),
      returnData: returnBytes.length > 0 ? { programId: toBase58(returnData.programId()), data: returnBytes } : null,
    };
  }

  /**
   * Simulates against the processed state (the preflight of sendTransaction uses the same).
   * Returns the simulation result in our internal form.
   */
  simulate(decoded) {
    const precheck = this.#precheck(decoded);
    const loaded = precheck ? null : this.#load(decoded);
    const early = precheck ?? loaded.error;
    if (early) return { err: early, logs: [], innerInstructions: [], computeUnitsConsumed: 0n, returnData: null, keys: null, pre: null, post: null, loaded: null, fee: null };
    const outcome = this.svm.simulateTransaction(this.#toKitTransaction(decoded));
    const failed = typeof outcome.err === 'function';
    const meta = this.#metaFrom(outcome.meta());
    let post = loaded.pre;
    if (!failed) {
      const byAddress = new Map(outcome.postAccounts().map((a) => [a.address, a]));
      post = loaded.keys.map((k, i) => {
        const a = byAddress.get(k.pubkey);
        if (!a) return loaded.pre[i];
        return a.lamports === 0n ? null : { lamports: a.lamports, data: a.data, owner: a.programAddress, executable: a.executable };
      });
    }
    return {
      ...meta,
      err: failed ? transactionErrorJson(outcome.err()) : null,
      keys: loaded.keys,
      pre: loaded.pre,
      post,
      loaded: loaded.loaded,
      fee: this.feeOf(decoded),
      tokenBalances: (states) => tokenBalances(loaded.keys, (i) => states[i], this.#mintDecimalsIn(loaded.keys, states)),
    };
  }

  /**
   * Executes a transaction at the processed slot. Returns { landed: true, record } when it is on
   * chain (succeeded, or failed after its fee was charged — agave commits those with meta.err),
   * or { landed: false, err, logs } when the runtime rejected it before charging anything.
   */
  execute(decoded) {
    const precheck = this.#precheck(decoded);
    if (precheck) return { landed: false, err: precheck, logs: [] };
    const loaded = this.#load(decoded);
    if (loaded.error) return { landed: false, err: loaded.error, logs: [] };
    const { keys, pre } = loaded;
    const outcome = this.svm.sendTransaction(this.#toKitTransaction(decoded));
    const failed = typeof outcome.err === 'function';
    const post = keys.map((k) => this.currentAccount(k.pubkey));
    const changed = keys.map((k, i) => !sameAccount(pre[i], post[i]));
    const svmMeta = failed ? outcome.meta() : outcome;
    const err = failed ? transactionErrorJson(outcome.err()) : null;
    if (failed && !changed.some(Boolean)) return { landed: false, err, logs: svmMeta.logs() };

    this.seq += 1;
    const signature = decoded.signatureStrings[0];
    const written = [];
    keys.forEach((k, i) => {
      if (!changed[i] || written.includes(k.pubkey)) return;
      this.#journalWrite(k.pubkey, pre[i], signature);
      written.push(k.pubkey);
    });
    const meta = this.#metaFrom(svmMeta);
    const record = {
      signature,
      seq: this.seq,
      slot: this.processedSlot,
      decoded,
      keys,
      loaded: loaded.loaded,
      err,
      fee: this.feeOf(decoded),
      preBalances: pre.map((a) => a?.lamports ?? 0n),
      postBalances: post.map((a) => a?.lamports ?? 0n),
      preTokenBalances: tokenBalances(keys, (i) => pre[i], this.#mintDecimalsIn(keys, pre)),
      postTokenBalances: tokenBalances(keys, (i) => post[i], this.#mintDecimalsIn(keys, post)),
      ...meta,
      written,
    };
    this.transactions.set(signature, record);
    for (const pubkey of new Set(keys.map((k) => k.pubkey))) {
      const list = this.addressIndex.get(pubkey) ?? [];
      list.push(signature);
      this.addressIndex.set(pubkey, list);
    }
    return { landed: true, record };
  }

  /** A transaction visible at `commitment` (its slot at or before the commitment's slot), or null. */
  transactionAt(signature, commitment) {
    const record = this.transactions.get(signature);
    return record && record.slot <= this.slotAt(commitment) ? record : null;
  }

  /**
   * Newest first, as agave's getSignaturesForAddress: `before` and `until` bound the list by
   * execution order (exclusive); an unknown `before` gives an empty list, an unknown `until` no bound.
   */
  signaturesForAddress(address, { before, until, limit, commitment }) {
    const atSlot = this.slotAt(commitment);
    let beforeSeq = Infinity;
    if (before !== undefined) {
      const beforeRecord = this.transactions.get(before);
      if (!beforeRecord) return [];
      beforeSeq = beforeRecord.seq;
    }
    const untilSeq = until !== undefined ? this.transactions.get(until)?.seq ?? -Infinity : -Infinity;
    const out = [];
    const signatures = this.addressIndex.get(address) ?? [];
    for (let i = signatures.length - 1; i >= 0 && out.length < limit; i--) {
      const record = this.transactions.get(signatures[i]);
      if (record.seq <= untilSeq) break;
      if (record.seq >= beforeSeq || record.slot > atSlot) continue;
      out.push(record);
    }
    return out;
  }

  /** getSignatureStatuses' view: everything processed; without history only the status cache window. */
  statusOf(signature, searchTransactionHistory) {
    const record = this.transactions.get(signature);
    if (!record) return null;
    if (!searchTransactionHistory && record.slot < this.processedSlot - STATUS_CACHE_SLOTS) return null;
    return record;
  }

  /**
   * devnet_dropTransaction: takes back a transaction that is not finalized, as a fork that did not
   * include it would. Refused when a later write touched one of its accounts, because reverting
   * it would then also undo (or corrupt) that later write.
   */
  dropTransaction(signature) {
    const record = this.transactions.get(signature);
    if (!record) return { error: `transaction ${signature} is not known to this devnet` };
    if (record.slot <= this.slotAt('finalized')) {
      return { error: `transaction ${signature} is finalized (slot ${record.slot} <= finalized slot ${this.slotAt('finalized')}); finalized transactions cannot be dropped` };
    }
    for (const address of record.written) {
      const writes = this.journal.get(address) ?? [];
      const last = writes[writes.length - 1];
      if (!last || last.signature !== signature) {
        return { error: `transaction ${signature} cannot be dropped: account ${address} was written again after it` };
      }
    }
    for (const address of record.written) {
      const writes = this.journal.get(address);
      const { pre } = writes.pop();
      if (writes.length === 0) this.journal.delete(address);
      this.#writeAccount(address, pre);
    }
    this.transactions.delete(signature);
    for (const pubkey of new Set(record.keys.map((k) => k.pubkey))) {
      const list = this.addressIndex.get(pubkey).filter((s) => s !== signature);
      if (list.length) this.addressIndex.set(pubkey, list);
      else this.addressIndex.delete(pubkey);
    }
    return { record };
  }

  /**
   * requestAirdrop: a real System transfer signed by the devnet's faucet key, executed like any
   * other transaction, so getTransaction and getSignaturesForAddress show it.
   * Two airdrops of the same amount to the same key in one slot would be byte-identical (same
   * blockhash), so a repeat carries a Memo instruction that makes it distinct.
   */
  buildAirdrop(recipient, lamportsAmount) {
    const repeat = this.#airdropWouldRepeat(recipient, lamportsAmount);
    const keys = [this.faucet.address, recipient, SYSTEM_PROGRAM, ...(repeat ? [MEMO_PROGRAM] : [])];
    const transfer = [2, 2, 0, 1, ...writeCompactU16(12), 2, 0, 0, 0, ...u64Le(lamportsAmount)];
    const instructions = [transfer];
    if (repeat) {
      this.airdropCount += 1;
      const memo = new TextEncoder().encode(`airdrop ${this.airdropCount}`);
      instructions.push([3, 0, ...writeCompactU16(memo.length), ...memo]);
    }
    const message = new Uint8Array([
      1, 0, keys.length - 2, // header: one signer (faucet), two or three read-only programs/keys
      ...writeCompactU16(keys.length), ...keys.flatMap((k) => [...fromBase58(k)]),
      ...fromBase58(this.blockhashOf(this.processedSlot)),
      ...writeCompactU16(instructions.length), ...instructions.flat(),
    ]);
    return new Uint8Array([1, ...this.faucet.sign(message), ...message]);
  }

  #airdropWouldRepeat(recipient, lamportsAmount) {
    for (const signature of this.addressIndex.get(recipient) ?? []) {
      const record = this.transactions.get(signature);
      if (record.slot === this.processedSlot && record.decoded.message.staticAccounts[0] === this.faucet.address) {
        const data = record.decoded.message.instructions[0].data;
        if (new DataView(data.buffer, data.byteOffset).getBigUint64(4, true) === lamportsAmount) return true;
      }
    }
    return false;
  }
}

function sameAccount(a, b) {
  if (a === null || b === null) return a === b;
  return a.lamports === b.lamports && a.owner === b.owner && a.executable === b.executable
    && Buffer.compare(Buffer.from(a.data), Buffer.from(b.data)) === 0;
}
