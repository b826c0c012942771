// The test-only contracts other suites build on (tokens for the vault and watcher tests, the
// Chainlink-style aggregator for the oracle reader) behave as those suites assume.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { deploy, ethers, expectCustomError, loadArtifact, mined, startAnvil } from '../testkit/devchain.mjs';

let chain;
let deployer, alice, bob;

before(async () => {
  chain = await startAnvil();
  [deployer, alice, bob] = await Promise.all([0, 1, 2].map(chain.signer));
});

after(async () => {
  await chain?.stop();
});

describe('TestToken', () => {
  for (const decimals of [6n, 18n]) {
    test(`reports ${decimals} decimals and lets anyone mint`, async () => {
      const token = await deploy('TestToken', deployer, `Test ${decimals}`, `T${decimals}`, decimals);
      assert.equal(await token.decimals(), decimals);
      const amount = 10n ** decimals * 5n; // 5 whole tokens
      await mined(token.connect(alice).mint(bob.address, amount));
      assert.equal(await token.balanceOf(bob.address), amount);
      assert.equal(await token.totalSupply(), amount);
    });
  }
});

describe('FeeOnTransferToken', () => {
  test('burns 100 bps of a transfer and of a transferFrom, rounding the fee down; mints are free', async () => {
    const token = await deploy('FeeOnTransferToken', deployer, 'Fee', 'tFEE', 100);
    assert.equal(await token.feeBps(), 100n);
    await mined(token.connect(alice).mint(alice.address, 10_000n));
    assert.equal(await token.balanceOf(alice.address), 10_000n);

    await mined(token.connect(alice).transfer(bob.address, 1_000n)); // fee 10
    assert.equal(await token.balanceOf(bob.address), 990n);

    await mined(token.connect(alice).approve(deployer.address, 199n));
    await mined(token.connect(deployer).transferFrom(alice.address, bob.address, 199n)); // fee 1.99 -> 1
    assert.equal(await token.balanceOf(bob.address), 990n + 198n);
    assert.equal(await token.balanceOf(alice.address), 10_000n - 1_000n - 199n);
    assert.equal(await token.totalSupply(), 10_000n - 10n - 1n, 'fees are burned');
  });

  test('refuses a fee above 100 %', async () => {
    const { abi, bytecode } = loadArtifact('FeeOnTransferToken');
    const factory = new ethers.ContractFactory(abi, bytecode, deployer);
    await expectCustomError(factory.deploy('Fee', 'tFEE', 10_001), abi, 'FeeTooHigh', [10_001n]);
  });
});

describe('MockAggregator', () => {
  const aggregatorAbi = loadArtifact('MockAggregator').abi;

  test('has Chainlink metadata and no round until an answer is set', async () => {
    const feed = await deploy('MockAggregator', deployer, 8, 'ETH / USD');
    assert.equal(await feed.decimals(), 8n);
    assert.equal(await feed.description(), 'ETH / USD');
    assert.equal(await feed.version(), 4n);
    await expectCustomError(feed.latestRoundData(), aggregatorAbi, 'NoRounds');
    await expectCustomError(feed.getRoundData(1), aggregatorAbi, 'NoDataPresent', [1n]);
  });

  test('setAnswer opens a new round that latestRoundData returns, earlier rounds stay readable', async () => {
    const feed = await deploy('MockAggregator', deployer, 8, 'ETH / USD');
    await mined(feed.connect(alice).setAnswer(3_000_12345678n, 1_700_000_000n)); // 3000.12345678 USD
    await mined(feed.connect(alice).setAnswer(2_950_00000000n, 1_700_000_060n));

    assert.deepEqual([...(await feed.latestRoundData())], [2n, 2_950_00000000n, 1_700_000_060n, 1_700_000_060n, 2n]);
    assert.deepEqual([...(await feed.getRoundData(1))], [1n, 3_000_12345678n, 1_700_000_000n, 1_700_000_000n, 1n]);
  });

  test('setRoundData writes any round verbatim, e.g. an answer carried over from an earlier round', async () => {
    const feed = await deploy('MockAggregator', deployer, 8, 'BTC / USD');
    await mined(feed.setAnswer(-1n, 1_700_000_000n)); // negative answers pass through: the reader must reject them
    await mined(feed.setRoundData(7, 60_000_00000000n, 1_700_000_100n, 1_700_000_200n, 5));

    assert.deepEqual([...(await feed.latestRoundData())], [7n, 60_000_00000000n, 1_700_000_100n, 1_700_000_200n, 5n]);
    assert.deepEqual([...(await feed.getRoundData(1))], [1n, -1n, 1_700_000_000n, 1_700_000_000n, 1n]);
    await expectCustomError(feed.setRoundData(0, 1n, 1n, 1n, 0), aggregatorAbi, 'ZeroRoundId');

    // An older round written later does not become the latest.
    await mined(feed.setRoundData(3, 1n, 1n, 1n, 3));
    assert.equal((await feed.latestRoundData())[0], 7n);
  });
});
