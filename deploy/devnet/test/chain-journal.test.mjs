// The journal behind commitment reads: the state of an account at any slot from finalized to
// processed, after several writes in different slots, and after the journal is pruned.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Chain } from '../lib/chain.mjs';

const ACCOUNT = 'Dev1111111111111111111111111111111111111111';
const account = (lamports) => ({ lamports, data: new Uint8Array([Number(lamports % 256n)]), owner: '11111111111111111111111111111111', executable: false });
const lamportsAt = (chain, slot) => chain.accountAt(ACCOUNT, slot)?.lamports ?? null;
const fixedClock = () => 1_700_000_000_000; // ms; blockTime does not matter here

test('an account read at an older slot returns the state written at or before it', () => {
  const chain = new Chain({ confirmedLag: 1, finalizedLag: 4, now: fixedClock });
  const start = chain.processedSlot; // 4
  chain.setAccount(ACCOUNT, account(100n)); // slot start
  chain.advanceSlots(1);
  chain.setAccount(ACCOUNT, account(200n)); // start+1
  chain.setAccount(ACCOUNT, account(250n)); // start+1, later in the same slot
  chain.advanceSlots(2);
  chain.setAccount(ACCOUNT, account(300n)); // start+3

  assert.deepEqual(
    [start - 1, start, start + 1, start + 2, start + 3].map((slot) => lamportsAt(chain, slot)),
    [null, 100n, 250n, 250n, 300n]);
  assert.equal(chain.slotAt('finalized'), start + 3 - 4);
  assert.equal(chain.accountAt(ACCOUNT, chain.slotAt('finalized')), null);
  assert.equal(chain.accountAt(ACCOUNT, chain.slotAt('confirmed')).lamports, 250n);
  assert.deepEqual([...chain.accountAt(ACCOUNT, start + 1).data], [250 % 256]);
});

test('pruning what finalized passed keeps every readable slot correct', () => {
  const chain = new Chain({ confirmedLag: 1, finalizedLag: 2, now: fixedClock });
  const expected = new Map();
  for (let i = 1n; i <= 6n; i++) {
    chain.setAccount(ACCOUNT, account(i * 10n));
    expected.set(chain.processedSlot, i * 10n);
    chain.advanceSlots(1);
  }
  const finalized = chain.slotAt('finalized');
  for (let slot = finalized; slot <= chain.processedSlot; slot++) {
    const written = [...expected.entries()].filter(([s]) => s <= slot).at(-1)?.[1] ?? null;
    assert.equal(lamportsAt(chain, slot), written, `slot ${slot}`);
  }
  assert.ok(chain.journal.get(ACCOUNT).every((w) => w.slot > finalized), 'writes at or below finalized are pruned');
});

test('blockhashes expire after 150 blocks and on expireBlockhashes', () => {
  const chain = new Chain({ confirmedLag: 1, finalizedLag: 8, now: fixedClock });
  const { blockhash, lastValidBlockHeight } = chain.latestBlockhash('finalized');
  assert.equal(lastValidBlockHeight, chain.blockHeightAt(chain.slotAt('finalized')) + 150);
  chain.advanceSlots(lastValidBlockHeight - chain.processedSlot);
  assert.equal(chain.isBlockhashValid(blockhash), true, 'valid up to and including lastValidBlockHeight');
  chain.advanceSlots(1);
  assert.equal(chain.isBlockhashValid(blockhash), false);

  const fresh = chain.latestBlockhash('processed').blockhash;
  chain.expireBlockhashes();
  assert.equal(chain.isBlockhashValid(fresh), false);
  assert.equal(chain.isBlockhashValid(chain.latestBlockhash('finalized').blockhash), true);
});
