// @solana/kit — a Solana client no one here wrote — against the devnet: every RPC method the
// devnet serves, real transactions built and signed with kit's own builders, commitment
// visibility, forks (devnet_dropTransaction) and Solana's error codes.
//
// The server runs with a one-hour slot clock, so only devnet_advanceSlots moves slots here:
// nothing waits on time.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import {
  SOLANA_ERROR__INSTRUCTION_ERROR__CUSTOM, SOLANA_ERROR__JSON_RPC__INVALID_PARAMS, SOLANA_ERROR__JSON_RPC__METHOD_NOT_FOUND,
  SOLANA_ERROR__JSON_RPC__SERVER_ERROR_BLOCK_NOT_AVAILABLE, SOLANA_ERROR__JSON_RPC__SERVER_ERROR_MIN_CONTEXT_SLOT_NOT_REACHED,
  SOLANA_ERROR__JSON_RPC__SERVER_ERROR_SEND_TRANSACTION_PREFLIGHT_FAILURE,
  SOLANA_ERROR__JSON_RPC__SERVER_ERROR_TRANSACTION_SIGNATURE_VERIFICATION_FAILURE,
  SOLANA_ERROR__JSON_RPC__SERVER_ERROR_UNSUPPORTED_TRANSACTION_VERSION, SOLANA_ERROR__TRANSACTION_ERROR__BLOCKHASH_NOT_FOUND,
  address, appendTransactionMessageInstructions, compressTransactionMessageUsingAddressLookupTables, createKeyPairSignerFromPrivateKeyBytes, createSolanaRpc,
  createTransactionMessage, getAddressEncoder, getBase58Decoder, getBase64EncodedWireTransaction, getBase64Encoder, getTransactionEncoder,
  isSolanaError, lamports, pipe, setTransactionMessageComputeUnitPrice, setTransactionMessageFeePayerSigner, setTransactionMessageLifetimeUsingBlockhash,
  signTransactionMessageWithSigners,
} from '@solana/kit';
import { getCreateAccountInstruction, getTransferSolInstruction } from '@solana-program/system';
import {
  TOKEN_PROGRAM_ADDRESS, findAssociatedTokenPda, getCreateAssociatedTokenIdempotentInstruction, getInitializeMint2Instruction,
  getMintSize, getMintToInstruction, getTransferCheckedInstruction,
} from '@solana-program/token';

const FINALIZED_LAG = 8;
const CONFIRMED_LAG = 1;
const SOL = 1_000_000_000n;
const MEMO_PROGRAM = address('MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr');
const SYSTEM_PROGRAM = '11111111111111111111111111111111';

const SERVER = fileURLToPath(new URL('../solana-rpc.mjs', import.meta.url));
const READY = /^solana-devnet listening on (http:\/\/127\.0\.0\.1:\d+) \(litesvm ([^,]+), finalized lag (\d+) slots\)$/;

/**
 * Starts solana-rpc.mjs as a child process on a free loopback port and waits for its ready line.
 * @returns {Promise<{url: string, litesvmVersion: string, finalizedLag: number, stop: () => Promise<number>}>}
 */
function startDevnet(extraArgs = [], { readyTimeoutMs = 20_000 } = {}) {
  const child = spawn(process.execPath, [SERVER, '--port', '0', ...extraArgs], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => { stderr += chunk; });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  /** SIGTERM, then the exit code (0 when the server shut down cleanly). */
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    return exited;
  };
  return new Promise((resolve, reject) => {
    const deadline = setTimeout(() => {
      stop();
      reject(new Error(`solana-devnet printed no ready line within ${readyTimeoutMs} ms; stderr: ${stderr}`));
    }, readyTimeoutMs);
    let stdout = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      const line = stdout.split('\n').find((l) => READY.test(l));
      if (!line) return;
      clearTimeout(deadline);
      const [, url, litesvmVersion, lag] = READY.exec(line);
      resolve({ url, litesvmVersion, finalizedLag: Number(lag), stop });
    });
    child.once('exit', (code) => {
      clearTimeout(deadline);
      reject(new Error(`solana-devnet exited with ${code} before it was ready; stderr: ${stderr}`));
    });
  });
}

let devnet;
let rpc;

/** Fixed seeds: the same keys (and so the same signatures) on every run. */
const signer = (name) => createKeyPairSignerFromPrivateKeyBytes(new Uint8Array(createHash('sha256').update(`devnet test ${name}`).digest()));

/** The SPL Memo instruction: no accounts required, data = the UTF-8 memo (spl-memo processor). */
const memoInstruction = (text) => ({ programAddress: MEMO_PROGRAM, accounts: [], data: new TextEncoder().encode(text) });

const advance = (n) => rpc.devnet_advanceSlots(n).send();
const status = () => rpc.devnet_getStatus().send();

async function signed(feePayer, instructions, { version = 0, blockhash, microLamportsPerUnit } = {}) {
  const lifetime = blockhash ?? (await rpc.getLatestBlockhash({ commitment: 'confirmed' }).send()).value;
  return signTransactionMessageWithSigners(pipe(
    createTransactionMessage({ version }),
    (m) => setTransactionMessageFeePayerSigner(feePayer, m),
    (m) => setTransactionMessageLifetimeUsingBlockhash(lifetime, m),
    (m) => (microLamportsPerUnit === undefined ? m : setTransactionMessageComputeUnitPrice(microLamportsPerUnit, m)),
    (m) => appendTransactionMessageInstructions(instructions, m),
  ));
}

const send = (transaction, config = {}) =>
  rpc.sendTransaction(getBase64EncodedWireTransaction(transaction), { encoding: 'base64', preflightCommitment: 'confirmed', ...config }).send();

async function rejects(promise, code) {
  try {
    await promise;
  } catch (error) {
    assert.ok(isSolanaError(error, code), `expected SolanaError ${code}, got ${error}`);
    return error;
  }
  assert.fail(`expected SolanaError ${code}, but the call succeeded`);
}

/** Raw JSON-RPC over fetch, for what kit does not send itself (batches, malformed requests). */
async function postRaw(body) {
  const response = await fetch(devnet.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  return response.json();
}

async function fundedSigner(name, sol = 10n) {
  const wallet = await signer(name);
  await rpc.requestAirdrop(wallet.address, lamports(sol * SOL), { commitment: 'processed' }).send();
  await advance(CONFIRMED_LAG); // confirmed, so a preflight at `confirmed` sees the funds
  return wallet;
}

before(async () => {
  devnet = await startDevnet(['--slot-ms', '3600000', '--confirmed-lag', String(CONFIRMED_LAG), '--finalized-lag', String(FINALIZED_LAG)]);
  rpc = createSolanaRpc(devnet.url);
});

after(async () => {
  await devnet?.stop();
});

describe('the devnet as @solana/kit sees it', () => {
  test('ready line names the URL, litesvm version and finalized lag', () => {
    assert.match(devnet.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(devnet.litesvmVersion, '1.5.0');
    assert.equal(devnet.finalizedLag, FINALIZED_LAG);
  });

  test('health, version, slots at each commitment, block height, minContextSlot', async () => {
    assert.equal(await rpc.getHealth().send(), 'ok');
    const version = await rpc.getVersion().send();
    assert.equal(typeof version['solana-core'], 'string');

    const processed = await rpc.getSlot({ commitment: 'processed' }).send();
    assert.equal(await rpc.getSlot({ commitment: 'confirmed' }).send(), processed - BigInt(CONFIRMED_LAG));
    assert.equal(await rpc.getSlot({ commitment: 'finalized' }).send(), processed - BigInt(FINALIZED_LAG));
    assert.equal(await rpc.getBlockHeight({ commitment: 'processed' }).send(), processed);

    const advanced = await advance(3);
    assert.equal(BigInt(advanced), processed + 3n);
    const slots = await status();
    assert.deepEqual([slots.processed, slots.confirmed, slots.finalized].map(BigInt),
      [processed + 3n, processed + 3n - BigInt(CONFIRMED_LAG), processed + 3n - BigInt(FINALIZED_LAG)]);

    const confirmedSlot = processed + 3n - BigInt(CONFIRMED_LAG);
    assert.equal(typeof await rpc.getBlockTime(confirmedSlot).send(), 'bigint');
    await rejects(rpc.getBlockTime(confirmedSlot + 1n).send(), SOLANA_ERROR__JSON_RPC__SERVER_ERROR_BLOCK_NOT_AVAILABLE);

    await rejects(rpc.getSlot({ commitment: 'finalized', minContextSlot: processed + 1000n }).send(),
      SOLANA_ERROR__JSON_RPC__SERVER_ERROR_MIN_CONTEXT_SLOT_NOT_REACHED);
  });

  test('rent-exempt minimums are Solana\'s (0 bytes: 890880, token account 165 bytes: 2039280)', async () => {
    assert.equal(await rpc.getMinimumBalanceForRentExemption(0n).send(), 890_880n);
    assert.equal(await rpc.getMinimumBalanceForRentExemption(165n).send(), 2_039_280n);
  });

  test('a SOL transfer is read back at confirmed, then at finalized only after the lag, with fee and balances', async () => {
    const alice = await fundedSigner('alice');
    const bob = await signer('bob');
    const transfer = await signed(alice, [getTransferSolInstruction({ source: alice, destination: bob.address, amount: 3n * SOL })]);
    const signature = await send(transfer);

    // Processed only: invisible to confirmed and finalized readers.
    assert.equal(await rpc.getTransaction(signature, { commitment: 'confirmed', maxSupportedTransactionVersion: 0 }).send(), null);
    assert.equal((await rpc.getBalance(bob.address, { commitment: 'processed' }).send()).value, 3n * SOL);
    assert.equal((await rpc.getBalance(bob.address, { commitment: 'confirmed' }).send()).value, 0n);
    const [processedStatus] = (await rpc.getSignatureStatuses([signature]).send()).value;
    assert.equal(processedStatus.confirmationStatus, 'processed');

    await advance(CONFIRMED_LAG);
    const confirmed = await rpc.getTransaction(signature, { commitment: 'confirmed', maxSupportedTransactionVersion: 0, encoding: 'json' }).send();
    assert.equal(confirmed.version, 0);
    assert.equal(confirmed.meta.err, null);
    assert.equal(await rpc.getTransaction(signature, { commitment: 'finalized', maxSupportedTransactionVersion: 0 }).send(), null);
    assert.equal((await rpc.getBalance(bob.address, { commitment: 'finalized' }).send()).value, 0n);

    await advance(FINALIZED_LAG - CONFIRMED_LAG);
    const tx = await rpc.getTransaction(signature, { commitment: 'finalized', maxSupportedTransactionVersion: 0, encoding: 'json' }).send();
    assert.deepEqual(tx.transaction.message.accountKeys, [alice.address, bob.address, SYSTEM_PROGRAM]);
    assert.deepEqual(tx.transaction.message.header, { numRequiredSignatures: 1, numReadonlySignedAccounts: 0, numReadonlyUnsignedAccounts: 1 });
    assert.deepEqual(tx.transaction.message.addressTableLookups, []);
    assert.equal(tx.transaction.signatures[0], signature);
    assert.equal(tx.meta.fee, 5000n);
    assert.deepEqual(tx.meta.status, { Ok: null });
    assert.equal(tx.meta.preBalances[0] - tx.meta.postBalances[0], 3n * SOL + 5000n);
    assert.equal(tx.meta.postBalances[1] - tx.meta.preBalances[1], 3n * SOL);
    assert.deepEqual(tx.meta.loadedAddresses, { writable: [], readonly: [] });
    assert.ok(tx.meta.logMessages.includes(`Program ${SYSTEM_PROGRAM} success`));
    assert.ok(tx.meta.computeUnitsConsumed > 0n);
    assert.equal(tx.slot, confirmed.slot);
    assert.equal(typeof tx.blockTime, 'bigint');
    assert.equal((await rpc.getBalance(bob.address, { commitment: 'finalized' }).send()).value, 3n * SOL);

    const parsed = await rpc.getTransaction(signature, { commitment: 'finalized', maxSupportedTransactionVersion: 0, encoding: 'jsonParsed' }).send();
    assert.deepEqual(parsed.transaction.message.accountKeys[0], { pubkey: alice.address, writable: true, signer: true, source: 'transaction' });
    assert.deepEqual(parsed.transaction.message.accountKeys[2], { pubkey: SYSTEM_PROGRAM, writable: false, signer: false, source: 'transaction' });
    assert.deepEqual(parsed.transaction.message.instructions[0].parsed,
      { type: 'transfer', info: { source: alice.address, destination: bob.address, lamports: 3n * SOL } });
    assert.equal(parsed.transaction.message.instructions[0].program, 'system');

    const [finalStatus] = (await rpc.getSignatureStatuses([signature], { searchTransactionHistory: true }).send()).value;
    assert.equal(finalStatus.confirmationStatus, 'finalized');
    assert.equal(finalStatus.confirmations, null);
    assert.equal(finalStatus.err, null);
  });

  test('a v0 transaction needs maxSupportedTransactionVersion (-32015); base64 returns the wire bytes', async () => {
    const carol = await fundedSigner('carol');
    const transaction = await signed(carol, [getTransferSolInstruction({ source: carol, destination: (await signer('sink')).address, amount: 10_000_000n })]);
    // The default encoding of sendTransaction is base58.
    const wire = getTransactionEncoder().encode(transaction);
    const signature = await rpc.sendTransaction(getBase58Decoder().decode(wire), { preflightCommitment: 'confirmed' }).send();
    await advance(CONFIRMED_LAG);
    await rejects(rpc.getTransaction(signature, { commitment: 'confirmed' }).send(), SOLANA_ERROR__JSON_RPC__SERVER_ERROR_UNSUPPORTED_TRANSACTION_VERSION);
    const raw = await rpc.getTransaction(signature, { commitment: 'confirmed', encoding: 'base64', maxSupportedTransactionVersion: 0 }).send();
    assert.deepEqual(raw.transaction, [getBase64EncodedWireTransaction(transaction), 'base64']);

    const legacy = await signed(carol, [getTransferSolInstruction({ source: carol, destination: (await signer('sink')).address, amount: 20_000_000n })], { version: 'legacy' });
    const legacySignature = await send(legacy);
    await advance(CONFIRMED_LAG);
    const withoutVersion = await rpc.getTransaction(legacySignature, { commitment: 'confirmed' }).send();
    assert.equal(withoutVersion.version, undefined, 'version is only reported when the client states what it supports');
    const withVersion = await rpc.getTransaction(legacySignature, { commitment: 'confirmed', maxSupportedTransactionVersion: 0 }).send();
    assert.equal(withVersion.version, 'legacy');
  });

  test('SPL token flow: mint, ATAs, mintTo, TransferChecked with a memo; token balances and jsonParsed', async () => {
    const issuer = await fundedSigner('issuer');
    const holder = await signer('holder');
    const mint = await signer('mint');
    const mintSpace = BigInt(getMintSize());
    const mintRent = await rpc.getMinimumBalanceForRentExemption(mintSpace).send();
    const [issuerAta] = await findAssociatedTokenPda({ owner: issuer.address, mint: mint.address, tokenProgram: TOKEN_PROGRAM_ADDRESS });
    const [holderAta] = await findAssociatedTokenPda({ owner: holder.address, mint: mint.address, tokenProgram: TOKEN_PROGRAM_ADDRESS });

    const setup = await signed(issuer, [
      getCreateAccountInstruction({ payer: issuer, newAccount: mint, lamports: mintRent, space: mintSpace, programAddress: TOKEN_PROGRAM_ADDRESS }),
      getInitializeMint2Instruction({ mint: mint.address, decimals: 6, mintAuthority: issuer.address }),
      getCreateAssociatedTokenIdempotentInstruction({ payer: issuer, ata: issuerAta, owner: issuer.address, mint: mint.address }),
      getCreateAssociatedTokenIdempotentInstruction({ payer: issuer, ata: holderAta, owner: holder.address, mint: mint.address }),
      getMintToInstruction({ mint: mint.address, token: issuerAta, mintAuthority: issuer, amount: 1_000_000n }),
    ]);
    const setupSignature = await send(setup);
    await advance(CONFIRMED_LAG);

    const pay = await signed(issuer, [
      getTransferCheckedInstruction({ source: issuerAta, mint: mint.address, destination: holderAta, authority: issuer, amount: 250_000n, decimals: 6 }),
      memoInstruction('invoice 42'),
    ]);
    const paySignature = await send(pay);
    await advance(CONFIRMED_LAG);

    const tx = await rpc.getTransaction(paySignature, { commitment: 'confirmed', maxSupportedTransactionVersion: 0, encoding: 'jsonParsed' }).send();
    const [transferIx, memoIx] = tx.transaction.message.instructions;
    assert.equal(transferIx.program, 'spl-token');
    assert.equal(transferIx.programId, TOKEN_PROGRAM_ADDRESS);
    assert.deepEqual(transferIx.parsed, {
      type: 'transferChecked',
      info: {
        source: issuerAta, mint: mint.address, destination: holderAta, authority: issuer.address,
        tokenAmount: { amount: '250000', decimals: 6n, uiAmount: 0.25, uiAmountString: '0.25' }, // kit upcasts integers here
      },
    });
    assert.deepEqual({ program: memoIx.program, parsed: memoIx.parsed }, { program: 'spl-memo', parsed: 'invoice 42' });

    const balanceOf = (balances, ata) => balances.find((b) => tx.transaction.message.accountKeys[Number(b.accountIndex)].pubkey === ata);
    const issuerPre = balanceOf(tx.meta.preTokenBalances, issuerAta);
    assert.deepEqual({ ...issuerPre, accountIndex: Number(issuerPre.accountIndex) }, {
      accountIndex: tx.transaction.message.accountKeys.findIndex((k) => k.pubkey === issuerAta),
      mint: mint.address, owner: issuer.address, programId: TOKEN_PROGRAM_ADDRESS,
      uiTokenAmount: { amount: '1000000', decimals: 6, uiAmount: 1, uiAmountString: '1' },
    });
    assert.equal(balanceOf(tx.meta.postTokenBalances, issuerAta).uiTokenAmount.uiAmountString, '0.75');
    assert.equal(balanceOf(tx.meta.preTokenBalances, holderAta).uiTokenAmount.amount, '0');
    assert.equal(balanceOf(tx.meta.postTokenBalances, holderAta).uiTokenAmount.amount, '250000');

    // The json encoding carries the same token balances.
    const json = await rpc.getTransaction(paySignature, { commitment: 'confirmed', maxSupportedTransactionVersion: 0, encoding: 'json' }).send();
    assert.deepEqual(json.meta.postTokenBalances.map((b) => b.uiTokenAmount.amount).sort(), ['250000', '750000']);

    // The ATA program's CPIs show up as parsed inner instructions of the setup transaction.
    const setupTx = await rpc.getTransaction(setupSignature, { commitment: 'confirmed', maxSupportedTransactionVersion: 0, encoding: 'jsonParsed' }).send();
    const innerTypes = setupTx.meta.innerInstructions.flatMap((group) => group.instructions.map((ix) => ix.parsed?.type));
    assert.ok(innerTypes.includes('initializeAccount3'), `inner instructions: ${innerTypes}`);
    assert.ok(setupTx.meta.innerInstructions.every((group) => group.instructions.every((ix) => ix.stackHeight === 2n || ix.stackHeight === 2)));
    assert.deepEqual(setupTx.transaction.message.instructions[2].parsed.type, 'createIdempotent');

    const holderAccount = (await rpc.getAccountInfo(holderAta, { commitment: 'confirmed', encoding: 'jsonParsed' }).send()).value;
    assert.equal(holderAccount.owner, TOKEN_PROGRAM_ADDRESS);
    assert.equal(holderAccount.space, 165n);
    assert.deepEqual(holderAccount.data, {
      program: 'spl-token',
      parsed: {
        type: 'account',
        info: {
          isNative: false, mint: mint.address, owner: holder.address, state: 'initialized',
          tokenAmount: { amount: '250000', decimals: 6, uiAmount: 0.25, uiAmountString: '0.25' },
        },
      },
      space: 165n,
    });
    const mintAccount = (await rpc.getAccountInfo(mint.address, { commitment: 'confirmed', encoding: 'jsonParsed' }).send()).value;
    assert.deepEqual(mintAccount.data.parsed, {
      type: 'mint',
      info: { mintAuthority: issuer.address, supply: '1000000', decimals: 6, isInitialized: true, freezeAuthority: null },
    });

    const balance = await rpc.getTokenAccountBalance(holderAta, { commitment: 'confirmed' }).send();
    assert.deepEqual(balance.value, { amount: '250000', decimals: 6, uiAmount: 0.25, uiAmountString: '0.25' });
    // At finalized the holder's account does not exist yet.
    assert.equal((await rpc.getAccountInfo(holderAta, { commitment: 'finalized', encoding: 'base64' }).send()).value, null);
    await rejects(rpc.getTokenAccountBalance(holderAta, { commitment: 'finalized' }).send(), SOLANA_ERROR__JSON_RPC__INVALID_PARAMS);

    const accounts = (await rpc.getMultipleAccounts([holderAta, mint.address, holder.address], { commitment: 'confirmed', encoding: 'base64' }).send()).value;
    assert.equal(accounts[2], null);
    const holderBytes = getBase64Encoder().encode(accounts[0].data[0]);
    assert.equal(holderBytes.length, 165);
    assert.equal(new DataView(holderBytes.buffer, holderBytes.byteOffset).getBigUint64(64, true), 250_000n);
    assert.equal(accounts[1].data[1], 'base64');

    const [entry] = await rpc.getSignaturesForAddress(holderAta, { commitment: 'confirmed', limit: 1 }).send();
    assert.equal(entry.signature, paySignature);
    assert.equal(entry.memo, '[10] invoice 42');
    assert.equal(entry.err, null);
    assert.equal(entry.confirmationStatus, 'confirmed');

    // After the finalized lag, finalized readers see everything above.
    await advance(FINALIZED_LAG);
    const finalTx = await rpc.getTransaction(paySignature, { commitment: 'finalized', maxSupportedTransactionVersion: 0, encoding: 'jsonParsed' }).send();
    assert.deepEqual(finalTx.meta.postTokenBalances, tx.meta.postTokenBalances);
    assert.equal((await rpc.getTokenAccountBalance(holderAta, { commitment: 'finalized' }).send()).value.amount, '250000');
  });

  test('getSignaturesForAddress: newest first, limit, before and until, and only what the commitment shows', async () => {
    const payer = await fundedSigner('pager');
    const target = await signer('paged target');
    const signatures = [];
    for (let i = 1n; i <= 5n; i++) {
      signatures.push(await send(await signed(payer, [getTransferSolInstruction({ source: payer, destination: target.address, amount: i * 1_000_000n })])));
      await advance(1);
    }
    const list = async (config) => (await rpc.getSignaturesForAddress(target.address, { commitment: 'confirmed', ...config }).send()).map((e) => e.signature);
    const newestFirst = [...signatures].reverse();
    assert.deepEqual(await list({}), newestFirst);
    assert.deepEqual(await list({ limit: 2 }), newestFirst.slice(0, 2));
    assert.deepEqual(await list({ limit: 2, before: newestFirst[1] }), newestFirst.slice(2, 4));
    assert.deepEqual(await list({ until: newestFirst[3] }), newestFirst.slice(0, 3));
    assert.deepEqual(await list({ before: newestFirst[0], until: newestFirst[4] }), newestFirst.slice(1, 4));
    const entries = await rpc.getSignaturesForAddress(target.address, { commitment: 'confirmed', limit: 5 }).send();
    assert.ok(entries.every((e, i) => i === 0 || e.slot >= entries[i + 1]?.slot || i === entries.length - 1));
    assert.equal(entries[0].memo, null);

    // Finalized lags: the newest ones are not listed there yet.
    const finalizedList = (await rpc.getSignaturesForAddress(target.address, { commitment: 'finalized' }).send()).map((e) => e.signature);
    assert.ok(finalizedList.length < signatures.length);
    assert.deepEqual(finalizedList, newestFirst.slice(newestFirst.length - finalizedList.length));

    await rejects(rpc.getSignaturesForAddress(target.address, { commitment: 'processed' }).send(), SOLANA_ERROR__JSON_RPC__INVALID_PARAMS);
    await rejects(rpc.getSignaturesForAddress(target.address, { limit: 1001 }).send(), SOLANA_ERROR__JSON_RPC__INVALID_PARAMS);
  });

  test('devnet_dropTransaction makes a confirmed transaction disappear and reverts its writes; finalized ones are refused', async () => {
    const payer = await fundedSigner('forked payer');
    const receiver = await signer('forked receiver');
    const before = (await rpc.getBalance(payer.address, { commitment: 'processed' }).send()).value;
    const signature = await send(await signed(payer, [getTransferSolInstruction({ source: payer, destination: receiver.address, amount: SOL })]));
    await advance(CONFIRMED_LAG);
    assert.notEqual(await rpc.getTransaction(signature, { commitment: 'confirmed', maxSupportedTransactionVersion: 0 }).send(), null);

    const dropped = await rpc.devnet_dropTransaction(signature).send();
    assert.deepEqual([...dropped.revertedAccounts].sort(), [payer.address, receiver.address].sort());
    assert.equal(await rpc.getTransaction(signature, { commitment: 'confirmed', maxSupportedTransactionVersion: 0 }).send(), null);
    assert.deepEqual((await rpc.getSignatureStatuses([signature], { searchTransactionHistory: true }).send()).value, [null]);
    assert.equal((await rpc.getBalance(payer.address, { commitment: 'processed' }).send()).value, before);
    assert.equal((await rpc.getBalance(receiver.address, { commitment: 'confirmed' }).send()).value, 0n);
    assert.deepEqual(await rpc.getSignaturesForAddress(receiver.address, { commitment: 'confirmed' }).send(), []);

    // A later write to one of its accounts blocks dropping an earlier transaction.
    const first = await send(await signed(payer, [getTransferSolInstruction({ source: payer, destination: receiver.address, amount: 2n * SOL })]));
    const second = await send(await signed(payer, [getTransferSolInstruction({ source: payer, destination: receiver.address, amount: 3n * SOL })]));
    const blocked = await rejects(rpc.devnet_dropTransaction(first).send(), SOLANA_ERROR__JSON_RPC__INVALID_PARAMS);
    assert.match(blocked.context.__serverMessage ?? blocked.message, /written again/);
    await rpc.devnet_dropTransaction(second).send();
    await rpc.devnet_dropTransaction(first).send();

    // Finalized transactions are history.
    const kept = await send(await signed(payer, [getTransferSolInstruction({ source: payer, destination: receiver.address, amount: 4n * SOL })]));
    await advance(FINALIZED_LAG);
    const refused = await rejects(rpc.devnet_dropTransaction(kept).send(), SOLANA_ERROR__JSON_RPC__INVALID_PARAMS);
    assert.match(refused.context.__serverMessage ?? refused.message, /finalized/);
  });

  test('a failed transaction lands with meta.err and its fee; preflight refuses it with -32002 and the logs', async () => {
    const payer = await fundedSigner('failing payer', 1n);
    const overdraft = await signed(payer, [getTransferSolInstruction({ source: payer, destination: (await signer('sink')).address, amount: 5n * SOL })]);

    const preflight = await rejects(send(overdraft), SOLANA_ERROR__JSON_RPC__SERVER_ERROR_SEND_TRANSACTION_PREFLIGHT_FAILURE);
    assert.ok(preflight.context.logs.some((line) => line.includes('insufficient lamports')), preflight.context.logs.join('\n'));
    assert.ok(isSolanaError(preflight.cause, SOLANA_ERROR__INSTRUCTION_ERROR__CUSTOM), `cause: ${preflight.cause}`);

    const signature = await send(overdraft, { skipPreflight: true });
    await advance(CONFIRMED_LAG);
    const [txStatus] = (await rpc.getSignatureStatuses([signature]).send()).value;
    assert.deepEqual(txStatus.err, { InstructionError: [0n, { Custom: 1n }] });
    const tx = await rpc.getTransaction(signature, { commitment: 'confirmed', maxSupportedTransactionVersion: 0 }).send();
    assert.deepEqual(tx.meta.err, { InstructionError: [0n, { Custom: 1n }] });
    assert.deepEqual(tx.meta.status, { Err: { InstructionError: [0n, { Custom: 1n }] } });
    assert.equal(tx.meta.preBalances[0] - tx.meta.postBalances[0], 5000n, 'only the fee is charged');
    assert.equal((await rpc.getBalance(payer.address, { commitment: 'confirmed' }).send()).value, SOL - 5000n);
    const [listed] = await rpc.getSignaturesForAddress(payer.address, { commitment: 'confirmed', limit: 1 }).send();
    assert.deepEqual(listed.err, { InstructionError: [0n, { Custom: 1n }] });
  });

  test('signature verification (-32003), simulateTransaction with sigVerify and replaceRecentBlockhash, blockhash expiry', async () => {
    const payer = await fundedSigner('simulating payer');
    const transaction = await signed(payer, [getTransferSolInstruction({ source: payer, destination: (await signer('sink')).address, amount: 7_000_000n })]);
    const forged = { ...transaction, signatures: { [payer.address]: new Uint8Array(64).fill(7) } };
    await rejects(send(forged), SOLANA_ERROR__JSON_RPC__SERVER_ERROR_TRANSACTION_SIGNATURE_VERIFICATION_FAILURE);
    await rejects(rpc.simulateTransaction(getBase64EncodedWireTransaction(forged), { encoding: 'base64', sigVerify: true }).send(),
      SOLANA_ERROR__JSON_RPC__SERVER_ERROR_TRANSACTION_SIGNATURE_VERIFICATION_FAILURE);

    const simulated = await rpc.simulateTransaction(getBase64EncodedWireTransaction(forged), { encoding: 'base64', commitment: 'processed', innerInstructions: true }).send();
    assert.equal(simulated.value.err, null, 'without sigVerify the signature is not checked');
    assert.ok(simulated.value.logs.includes(`Program ${SYSTEM_PROGRAM} success`));
    assert.equal(simulated.value.unitsConsumed > 0n, true);
    assert.equal(simulated.value.replacementBlockhash, null);

    const stale = transaction.lifetimeConstraint.blockhash;
    assert.equal((await rpc.isBlockhashValid(stale, { commitment: 'processed' }).send()).value, true);
    const fresh = await rpc.devnet_expireBlockhash().send();
    assert.notEqual(fresh.blockhash, stale);
    assert.equal((await rpc.isBlockhashValid(stale, { commitment: 'processed' }).send()).value, false);
    const latest = (await rpc.getLatestBlockhash({ commitment: 'processed' }).send()).value;
    assert.equal(latest.blockhash, fresh.blockhash);
    assert.equal(latest.lastValidBlockHeight, (await rpc.getBlockHeight({ commitment: 'processed' }).send()) + 150n);

    const expired = await rejects(send(transaction), SOLANA_ERROR__JSON_RPC__SERVER_ERROR_SEND_TRANSACTION_PREFLIGHT_FAILURE);
    assert.ok(isSolanaError(expired.cause, SOLANA_ERROR__TRANSACTION_ERROR__BLOCKHASH_NOT_FOUND), `cause: ${expired.cause}`);
    const notFound = await rpc.simulateTransaction(getBase64EncodedWireTransaction(transaction), { encoding: 'base64', commitment: 'processed' }).send();
    assert.equal(notFound.value.err, 'BlockhashNotFound');

    const replaced = await rpc.simulateTransaction(getBase64EncodedWireTransaction(transaction),
      { encoding: 'base64', commitment: 'processed', replaceRecentBlockhash: true }).send();
    assert.equal(replaced.value.err, null);
    assert.equal(replaced.value.replacementBlockhash.blockhash, fresh.blockhash);
    await rejects(rpc.simulateTransaction(getBase64EncodedWireTransaction(transaction),
      { encoding: 'base64', replaceRecentBlockhash: true, sigVerify: true }).send(), SOLANA_ERROR__JSON_RPC__INVALID_PARAMS);
  });

  test('a v0 transaction through an address lookup table: loadedAddresses and lookupTable keys', async () => {
    const payer = await fundedSigner('lookup payer');
    const recipient = await signer('lookup recipient');
    const table = await signer('lookup table');
    // Address Lookup Table account (address-lookup-table program state.rs): a 56-byte LookupTableMeta
    // (u32 discriminator 1 = LookupTable, deactivation slot u64::MAX = active, last extended slot 0,
    // start index 0, authority None, padding) followed by the 32-byte addresses.
    const meta = new Uint8Array(56);
    meta[0] = 1;
    meta.fill(0xff, 4, 12);
    const tableData = new Uint8Array([...meta, ...getAddressEncoder().encode(recipient.address)]);
    await rpc.devnet_setAccount(table.address, {
      lamports: 10_000_000, data: Buffer.from(tableData).toString('base64'), owner: 'AddressLookupTab1e1111111111111111111111111',
    }).send();

    const latest = (await rpc.getLatestBlockhash({ commitment: 'processed' }).send()).value;
    const transaction = await signTransactionMessageWithSigners(compressTransactionMessageUsingAddressLookupTables(pipe(
      createTransactionMessage({ version: 0 }),
      (m) => setTransactionMessageFeePayerSigner(payer, m),
      (m) => setTransactionMessageLifetimeUsingBlockhash(latest, m),
      (m) => appendTransactionMessageInstructions([getTransferSolInstruction({ source: payer, destination: recipient.address, amount: SOL })], m),
    ), { [table.address]: [recipient.address] }));
    const signature = await send(transaction);
    await advance(CONFIRMED_LAG);

    const json = await rpc.getTransaction(signature, { commitment: 'confirmed', maxSupportedTransactionVersion: 0, encoding: 'json' }).send();
    assert.deepEqual(json.transaction.message.accountKeys, [payer.address, SYSTEM_PROGRAM]);
    assert.deepEqual(json.transaction.message.addressTableLookups, [{ accountKey: table.address, writableIndexes: [0], readonlyIndexes: [] }]);
    assert.deepEqual(json.meta.loadedAddresses, { writable: [recipient.address], readonly: [] });
    assert.equal(json.meta.postBalances[2] - json.meta.preBalances[2], SOL, 'balances follow static keys then loaded ones');

    const parsed = await rpc.getTransaction(signature, { commitment: 'confirmed', maxSupportedTransactionVersion: 0, encoding: 'jsonParsed' }).send();
    assert.deepEqual(parsed.transaction.message.accountKeys[2], { pubkey: recipient.address, writable: true, signer: false, source: 'lookupTable' });
    assert.equal(parsed.transaction.message.instructions[0].parsed.info.destination, recipient.address);
    const [listed] = await rpc.getSignaturesForAddress(recipient.address, { commitment: 'confirmed' }).send();
    assert.equal(listed.signature, signature);
  });

  test('meta.fee includes the prioritization fee, and equals what the payer was charged', async () => {
    const payer = await fundedSigner('priority payer');
    const sink = await signer('sink');
    const charged = async (tx) => {
      const read = await rpc.getTransaction(await send(tx), { commitment: 'processed', maxSupportedTransactionVersion: 0 }).send().catch(() => null);
      assert.equal(read, null, 'getTransaction refuses processed');
      await advance(CONFIRMED_LAG);
      const signature = tx.signatures[payer.address];
      return rpc.getTransaction(getBase58Decoder().decode(signature), { commitment: 'confirmed', maxSupportedTransactionVersion: 0 }).send();
    };
    // 1 lamport per unit. Builtins (System, ComputeBudget) reserve 3000 units each: 5000 + 2 × 3000.
    const transfer = await charged(await signed(payer, [getTransferSolInstruction({ source: payer, destination: sink.address, amount: 10_000_000n })], { microLamportsPerUnit: 1_000_000n }));
    assert.equal(transfer.meta.fee, 11_000n);
    assert.equal(transfer.meta.preBalances[0] - transfer.meta.postBalances[0], 10_000_000n + 11_000n);
    // An SBF program (Memo) reserves 200k units: 5000 + 3000 + 200000.
    const memo = await charged(await signed(payer, [memoInstruction('priority')], { microLamportsPerUnit: 1_000_000n }));
    assert.equal(memo.meta.fee, 208_000n);
    assert.equal(memo.meta.preBalances[0] - memo.meta.postBalances[0], 208_000n);
  });

  test('devnet_setAccount writes are visible at processed now and at finalized after the lag', async () => {
    const vault = await signer('set account target');
    const slot = (await rpc.devnet_setAccount(vault.address, { lamports: 42, data: 'AQID', owner: TOKEN_PROGRAM_ADDRESS }).send()).slot;
    const processed = (await rpc.getAccountInfo(vault.address, { commitment: 'processed', encoding: 'base64' }).send());
    assert.equal(processed.context.slot, BigInt(slot));
    assert.deepEqual({ ...processed.value, data: processed.value.data[0] }, {
      data: 'AQID', executable: false, lamports: 42n, owner: TOKEN_PROGRAM_ADDRESS, rentEpoch: 18446744073709551615n, space: 3n,
    });
    assert.equal((await rpc.getAccountInfo(vault.address, { commitment: 'finalized', encoding: 'base64' }).send()).value, null);
    await advance(FINALIZED_LAG);
    assert.equal((await rpc.getBalance(vault.address, { commitment: 'finalized' }).send()).value, 42n);
    // Default encodings differ: getAccountInfo gives the legacy base58 string, getMultipleAccounts base64.
    assert.equal((await rpc.getAccountInfo(vault.address, { commitment: 'finalized' }).send()).value.data, 'Ldp');
    assert.deepEqual((await rpc.getMultipleAccounts([vault.address], { commitment: 'finalized' }).send()).value[0].data, ['AQID', 'base64']);
    // jsonParsed falls back to base64 for data that is not a token account or mint.
    const fallback = (await rpc.getAccountInfo(vault.address, { commitment: 'finalized', encoding: 'jsonParsed' }).send()).value;
    assert.deepEqual(fallback.data, ['AQID', 'base64']);
  });

  test('batch requests, and Solana\'s error codes for unknown methods and bad params', async () => {
    const batch = await postRaw(JSON.stringify([
      { jsonrpc: '2.0', id: 1, method: 'getSlot', params: [{ commitment: 'processed' }] },
      { jsonrpc: '2.0', id: 2, method: 'getNothing', params: [] },
      { jsonrpc: '2.0', id: 3, method: 'getBalance', params: ['not-a-key'] },
      { jsonrpc: '2.0', id: 4, method: 'getHealth' },
    ]));
    assert.equal(batch.length, 4);
    assert.deepEqual(batch.map((r) => r.id), [1, 2, 3, 4]);
    assert.equal(typeof batch[0].result, 'number');
    assert.equal(batch[1].error.code, -32601);
    assert.equal(batch[2].error.code, -32602);
    assert.equal(batch[3].result, 'ok');

    assert.equal((await postRaw('{not json')).error.code, -32700);
    assert.equal((await postRaw('[]')).error.code, -32600);
    assert.equal((await postRaw('{"id":1,"method":"getSlot"}')).error.code, -32600);

    await rejects(rpc.getNothing().send(), SOLANA_ERROR__JSON_RPC__METHOD_NOT_FOUND);
    await rejects(rpc.getBalance('not-a-key').send(), SOLANA_ERROR__JSON_RPC__INVALID_PARAMS);
    await rejects(rpc.getSlot({ commitment: 'eventually' }).send(), SOLANA_ERROR__JSON_RPC__INVALID_PARAMS);
    await rejects(rpc.getTransaction('1'.repeat(64), { commitment: 'processed' }).send(), SOLANA_ERROR__JSON_RPC__INVALID_PARAMS);
    await rejects(rpc.sendTransaction('AAAA', { encoding: 'base64' }).send(), SOLANA_ERROR__JSON_RPC__INVALID_PARAMS);
    await rejects(rpc.sendTransaction('not base64!', { encoding: 'base64' }).send(), SOLANA_ERROR__JSON_RPC__INVALID_PARAMS);
  });
});

describe('the devnet process', () => {
  test('slots advance on the --slot-ms clock, and SIGTERM shuts it down with exit code 0', async () => {
    const clocked = await startDevnet(['--slot-ms', '20']);
    try {
      const client = createSolanaRpc(clocked.url);
      const first = await client.getSlot({ commitment: 'processed' }).send();
      const deadline = Date.now() + 10_000;
      let slot = first;
      while (slot < first + 3n) {
        assert.ok(Date.now() < deadline, `the slot clock did not advance 3 slots within 10 s (at ${slot}, started at ${first})`);
        slot = await client.getSlot({ commitment: 'processed' }).send();
      }
      const slots = await client.devnet_getStatus().send(); // one snapshot: the clock keeps moving
      assert.equal(BigInt(slots.processed - slots.finalized), 8n, 'default finalized lag');
    } finally {
      assert.equal(await clocked.stop(), 0);
    }
  });

  test('refuses to listen beyond loopback', async () => {
    await assert.rejects(startDevnet(['--host', '0.0.0.0']), /exited with 2 before it was ready/);
  });
});
