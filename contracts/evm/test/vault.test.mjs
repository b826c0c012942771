// ClearingVault on a real anvil node: deposits, roles, one-shot ids, pause, reentrancy, and the
// log layout the deposit watcher reads. Run after `node contracts/evm/build.mjs`:
//   node --test contracts/evm/test/
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { deploy, ethers, expectCustomError, id32, loadArtifact, mined, startAnvil } from '../testkit/devchain.mjs';

const vaultAbi = loadArtifact('ClearingVault').abi;
const tokenAbi = loadArtifact('TestToken').abi;
const DEPOSITED_TOPIC = ethers.id('Deposited(bytes32,address,uint256,address)');

let chain;
let admin, operator, pauser, alice, bob, stranger;
let vault, vaultAddress, usdc6, weth18, feeToken, reentrantToken, lookalike;
let OPERATOR_ROLE, PAUSER_ROLE, DEFAULT_ADMIN_ROLE;
let snapshot;

before(async () => {
  chain = await startAnvil();
  [admin, operator, pauser, alice, bob, stranger] = await Promise.all([0, 1, 2, 3, 4, 5].map(chain.signer));

  vault = await deploy('ClearingVault', admin, admin.address);
  vaultAddress = await vault.getAddress();
  [OPERATOR_ROLE, PAUSER_ROLE, DEFAULT_ADMIN_ROLE] = await Promise.all([
    vault.OPERATOR_ROLE(),
    vault.PAUSER_ROLE(),
    vault.DEFAULT_ADMIN_ROLE(),
  ]);
  await mined(vault.grantRole(OPERATOR_ROLE, operator.address));
  await mined(vault.grantRole(PAUSER_ROLE, pauser.address));

  usdc6 = await deploy('TestToken', admin, 'Test USD Coin', 'tUSDC', 6);
  weth18 = await deploy('TestToken', admin, 'Test Wrapped Ether', 'tWETH', 18);
  feeToken = await deploy('FeeOnTransferToken', admin, 'Fee 1% Token', 'tFEE', 100);
  reentrantToken = await deploy('ReentrantToken', admin);
  lookalike = await deploy('LookalikeDepositEmitter', admin);
  for (const token of [usdc6, weth18, feeToken, reentrantToken]) {
    await mined(vault.setAllowedToken(await token.getAddress(), true));
  }
});

after(async () => {
  await chain?.stop();
});

// Every test starts from the state `before` built and leaves nothing behind for the next.
beforeEach(async () => {
  snapshot = await chain.provider.send('evm_snapshot', []);
});
afterEach(async () => {
  assert.equal(await chain.provider.send('evm_revert', [snapshot]), true);
});

/** Mints `amount` to `holder`, approves the vault and deposits it for `account`. */
async function depositErc20(token, holder, account, amount) {
  await mined(token.connect(holder).mint(holder.address, amount));
  await mined(token.connect(holder).approve(vaultAddress, amount));
  return mined(vault.connect(holder).deposit(account, await token.getAddress(), amount));
}

/** The vault's Deposited/Withdrawn/Seized logs in `receipt`, decoded. */
function vaultEvents(receipt, name) {
  return receipt.logs
    .filter((log) => log.address === vaultAddress)
    .map((log) => vault.interface.parseLog(log))
    .filter((parsed) => parsed?.name === name);
}

const accountA = id32('account:alice');

describe('deposits', () => {
  for (const { label, token, decimals, amount } of [
    { label: '6-decimal', token: () => usdc6, decimals: 6n, amount: 1_234_567n }, // 1.234567 tUSDC
    { label: '18-decimal', token: () => weth18, decimals: 18n, amount: 2_500_000_000_000_000_000n }, // 2.5 tWETH
  ]) {
    test(`an allowlisted ${label} token deposit emits Deposited with the account, token, amount and depositor`, async () => {
      assert.equal(await token().decimals(), decimals);
      const receipt = await depositErc20(token(), alice, accountA, amount);

      const [deposited, ...others] = vaultEvents(receipt, 'Deposited');
      assert.equal(others.length, 0, 'one Deposited per deposit');
      assert.equal(deposited.args.account, accountA);
      assert.equal(deposited.args.token, await token().getAddress());
      assert.equal(deposited.args.amount, amount);
      assert.equal(deposited.args.depositor, alice.address);
      assert.equal(await token().balanceOf(vaultAddress), amount);
      assert.equal(await token().balanceOf(alice.address), 0n);
    });
  }

  test('the Deposited log has the topic/data layout the watcher decodes', async () => {
    const amount = 42_000_000n; // 42 tUSDC
    const receipt = await depositErc20(usdc6, alice, accountA, amount);
    const log = receipt.logs.find((l) => l.address === vaultAddress && l.topics[0] === DEPOSITED_TOPIC);

    assert.ok(log, 'Deposited log emitted by the vault');
    assert.equal(log.topics.length, 3, 'topic0 + account + token');
    assert.equal(log.topics[1], accountA);
    assert.equal(log.topics[2], ethers.zeroPadValue(await usdc6.getAddress(), 32).toLowerCase());
    assert.equal(
      log.data,
      ethers.AbiCoder.defaultAbiCoder().encode(['uint256', 'address'], [amount, alice.address]).toLowerCase(),
      'data = amount (uint256) || depositor (address), 64 bytes',
    );
  });

  test('a token that is not allowlisted is refused', async () => {
    const unlisted = await deploy('TestToken', admin, 'Unlisted', 'tNOPE', 18);
    const unlistedAddress = await unlisted.getAddress();
    await mined(unlisted.connect(alice).mint(alice.address, 1000n));
    await mined(unlisted.connect(alice).approve(vaultAddress, 1000n));

    await expectCustomError(vault.connect(alice).deposit(accountA, unlistedAddress, 1000n), vaultAbi, 'TokenNotAllowed', [
      unlistedAddress,
    ]);
    assert.equal(await unlisted.balanceOf(vaultAddress), 0n);
  });

  test('a delisted token can no longer be deposited but what the vault holds stays withdrawable', async () => {
    const usdcAddress = await usdc6.getAddress();
    await depositErc20(usdc6, alice, accountA, 5_000_000n);
    await mined(vault.setAllowedToken(usdcAddress, false));

    await mined(usdc6.connect(alice).mint(alice.address, 1n));
    await mined(usdc6.connect(alice).approve(vaultAddress, 1n));
    await expectCustomError(vault.connect(alice).deposit(accountA, usdcAddress, 1n), vaultAbi, 'TokenNotAllowed');

    await mined(vault.connect(operator).withdraw(id32('wd:delisted'), usdcAddress, bob.address, 5_000_000n));
    assert.equal(await usdc6.balanceOf(bob.address), 5_000_000n);
  });

  test('a native deposit emits Deposited with token = address(0) and the attached value', async () => {
    const value = ethers.parseEther('1.5');
    const receipt = await mined(vault.connect(alice).depositNative(accountA, { value }));

    const [deposited] = vaultEvents(receipt, 'Deposited');
    assert.equal(deposited.args.account, accountA);
    assert.equal(deposited.args.token, ethers.ZeroAddress);
    assert.equal(deposited.args.amount, value);
    assert.equal(deposited.args.depositor, alice.address);
    assert.equal(await chain.provider.getBalance(vaultAddress), value);
  });

  test('plain native transfers without an account id are refused', async () => {
    await assert.rejects(alice.sendTransaction({ to: vaultAddress, value: 1n }));
    assert.equal(await chain.provider.getBalance(vaultAddress), 0n);
  });

  test('zero amounts and the zero account are refused', async () => {
    const usdcAddress = await usdc6.getAddress();
    await expectCustomError(vault.connect(alice).deposit(accountA, usdcAddress, 0n), vaultAbi, 'ZeroAmount');
    await expectCustomError(vault.connect(alice).depositNative(accountA, { value: 0n }), vaultAbi, 'ZeroAmount');
    await expectCustomError(vault.connect(alice).deposit(ethers.ZeroHash, usdcAddress, 1n), vaultAbi, 'ZeroAccount');
    await expectCustomError(vault.connect(alice).depositNative(ethers.ZeroHash, { value: 1n }), vaultAbi, 'ZeroAccount');
  });

  test('a fee-on-transfer token is credited what the vault received, not the amount named in the call', async () => {
    const claimed = 1_000_000n;
    const arrived = 990_000n; // 100 bps = 1 % burned in transfer
    const receipt = await depositErc20(feeToken, alice, accountA, claimed);

    const [deposited] = vaultEvents(receipt, 'Deposited');
    assert.equal(deposited.args.amount, arrived);
    assert.equal(await feeToken.balanceOf(vaultAddress), arrived);
  });

  test('a token that re-enters deposit from transferFrom makes the whole deposit revert', async () => {
    const amount = 1_000n;
    await mined(reentrantToken.connect(alice).mint(alice.address, 2n * amount));
    await mined(reentrantToken.connect(alice).approve(vaultAddress, 2n * amount));
    await mined(reentrantToken.connect(alice).arm(vaultAddress, accountA));

    await expectCustomError(
      vault.connect(alice).deposit(accountA, await reentrantToken.getAddress(), amount),
      vaultAbi,
      'ReentrancyGuardReentrantCall',
    );
    assert.equal(await reentrantToken.balanceOf(vaultAddress), 0n);
    assert.equal(await reentrantToken.armed(), true, 'the attack never got past the guard');
  });

  test('a lookalike contract emits the same Deposited topic0, and filtering by vault address excludes it', async () => {
    const realAmount = 7_000_000n;
    await depositErc20(usdc6, alice, accountA, realAmount);
    const forged = await mined(lookalike.connect(stranger).emitDeposited(accountA, await usdc6.getAddress(), 10n ** 30n));

    const forgedLog = forged.logs[0];
    assert.equal(forgedLog.topics[0], DEPOSITED_TOPIC, 'same event signature hash');
    assert.notEqual(forgedLog.address, vaultAddress);

    const everyDeposited = await chain.provider.getLogs({ fromBlock: 0, toBlock: 'latest', topics: [DEPOSITED_TOPIC] });
    assert.equal(everyDeposited.length, 2, 'topic alone matches both the vault and the lookalike');
    const vaultOnly = await chain.provider.getLogs({
      address: vaultAddress,
      fromBlock: 0,
      toBlock: 'latest',
      topics: [DEPOSITED_TOPIC],
    });
    assert.equal(vaultOnly.length, 1);
    assert.equal(vault.interface.parseLog(vaultOnly[0]).args.amount, realAmount);
  });
});

describe('withdrawals and seizures', () => {
  for (const { fn, event, usedGetter, reuseError } of [
    { fn: 'withdraw', event: 'Withdrawn', usedGetter: 'withdrawalIdUsed', reuseError: 'WithdrawalIdUsed' },
    { fn: 'seize', event: 'Seized', usedGetter: 'liquidationIdUsed', reuseError: 'LiquidationIdUsed' },
  ]) {
    test(`${fn} by the operator pays the recipient and emits ${event} with its id`, async () => {
      const usdcAddress = await usdc6.getAddress();
      const decisionId = id32(`${fn}:1`);
      await depositErc20(usdc6, alice, accountA, 10_000_000n);

      const receipt = await mined(vault.connect(operator)[fn](decisionId, usdcAddress, bob.address, 4_000_000n));

      const [logged] = vaultEvents(receipt, event);
      assert.deepEqual([...logged.args], [decisionId, usdcAddress, bob.address, 4_000_000n]);
      assert.equal(await usdc6.balanceOf(bob.address), 4_000_000n);
      assert.equal(await usdc6.balanceOf(vaultAddress), 6_000_000n);
      assert.equal(await vault[usedGetter](decisionId), true);
    });

    test(`${fn} of native coin sends the value and emits ${event} with token = address(0)`, async () => {
      const decisionId = id32(`${fn}:native`);
      await mined(vault.connect(alice).depositNative(accountA, { value: ethers.parseEther('2') }));
      const bobBefore = await chain.provider.getBalance(bob.address);

      const receipt = await mined(
        vault.connect(operator)[fn](decisionId, ethers.ZeroAddress, bob.address, ethers.parseEther('0.75')),
      );

      const [logged] = vaultEvents(receipt, event);
      assert.equal(logged.args[1], ethers.ZeroAddress);
      assert.equal((await chain.provider.getBalance(bob.address)) - bobBefore, ethers.parseEther('0.75'));
      assert.equal(await chain.provider.getBalance(vaultAddress), ethers.parseEther('1.25'));
    });

    for (const who of ['admin', 'pauser', 'alice']) {
      test(`${fn} by ${who} (no operator role) reverts with AccessControlUnauthorizedAccount`, async () => {
        const signer = { admin, pauser, alice }[who];
        await depositErc20(usdc6, alice, accountA, 1_000_000n);
        await expectCustomError(
          vault.connect(signer)[fn](id32(`${fn}:${who}`), await usdc6.getAddress(), signer.address, 1_000_000n),
          vaultAbi,
          'AccessControlUnauthorizedAccount',
          [signer.address, OPERATOR_ROLE],
        );
        assert.equal(await usdc6.balanceOf(vaultAddress), 1_000_000n);
      });
    }

    test(`a ${fn} id used twice is refused with ${reuseError}`, async () => {
      const usdcAddress = await usdc6.getAddress();
      const decisionId = id32(`${fn}:replayed`);
      await depositErc20(usdc6, alice, accountA, 10_000_000n);
      await mined(vault.connect(operator)[fn](decisionId, usdcAddress, bob.address, 1_000_000n));

      await expectCustomError(
        vault.connect(operator)[fn](decisionId, usdcAddress, bob.address, 1_000_000n),
        vaultAbi,
        reuseError,
        [decisionId],
      );
      assert.equal(await usdc6.balanceOf(bob.address), 1_000_000n, 'paid once');
    });

    test(`a ${fn} that fails to pay does not consume its id, so the executor can retry it`, async () => {
      const usdcAddress = await usdc6.getAddress();
      const decisionId = id32(`${fn}:retry`);
      await depositErc20(usdc6, alice, accountA, 1_000_000n);

      await expectCustomError(
        vault.connect(operator)[fn](decisionId, usdcAddress, bob.address, 1_000_001n),
        tokenAbi,
        'ERC20InsufficientBalance',
        [vaultAddress, 1_000_000n, 1_000_001n],
      );
      assert.equal(await vault[usedGetter](decisionId), false);
      await mined(vault.connect(operator)[fn](decisionId, usdcAddress, bob.address, 1_000_000n));
      assert.equal(await vault[usedGetter](decisionId), true);
    });

    test(`${fn} to address(0) or of zero is refused`, async () => {
      const usdcAddress = await usdc6.getAddress();
      await depositErc20(usdc6, alice, accountA, 1_000_000n);
      await expectCustomError(
        vault.connect(operator)[fn](id32(`${fn}:zero-to`), usdcAddress, ethers.ZeroAddress, 1n),
        vaultAbi,
        'ZeroRecipient',
      );
      await expectCustomError(
        vault.connect(operator)[fn](id32(`${fn}:zero-amount`), usdcAddress, bob.address, 0n),
        vaultAbi,
        'ZeroAmount',
      );
    });
  }

  test('withdrawal ids and liquidation ids are separate namespaces', async () => {
    const usdcAddress = await usdc6.getAddress();
    const sameId = id32('decision:42');
    await depositErc20(usdc6, alice, accountA, 2_000_000n);
    await mined(vault.connect(operator).withdraw(sameId, usdcAddress, bob.address, 1_000_000n));
    await mined(vault.connect(operator).seize(sameId, usdcAddress, bob.address, 1_000_000n));
    assert.equal(await usdc6.balanceOf(bob.address), 2_000_000n);
  });
});

describe('pause', () => {
  test('pause blocks deposits and withdrawals, seizures continue, unpause restores deposits', async () => {
    const usdcAddress = await usdc6.getAddress();
    await depositErc20(usdc6, alice, accountA, 3_000_000n);
    await mined(usdc6.connect(alice).mint(alice.address, 1_000_000n));
    await mined(usdc6.connect(alice).approve(vaultAddress, 1_000_000n));

    await mined(vault.connect(pauser).pause());
    assert.equal(await vault.paused(), true);
    await expectCustomError(vault.connect(alice).deposit(accountA, usdcAddress, 1_000_000n), vaultAbi, 'EnforcedPause');
    await expectCustomError(vault.connect(alice).depositNative(accountA, { value: 1n }), vaultAbi, 'EnforcedPause');
    await expectCustomError(
      vault.connect(operator).withdraw(id32('wd:paused'), usdcAddress, bob.address, 1_000_000n),
      vaultAbi,
      'EnforcedPause',
    );
    assert.equal(await vault.withdrawalIdUsed(id32('wd:paused')), false);

    // Liquidations keep the clearing house solvent during the incident that prompted the pause.
    await mined(vault.connect(operator).seize(id32('liq:paused'), usdcAddress, bob.address, 2_000_000n));
    assert.equal(await usdc6.balanceOf(bob.address), 2_000_000n);

    await mined(vault.connect(pauser).unpause());
    await mined(vault.connect(alice).deposit(accountA, usdcAddress, 1_000_000n));
    await mined(vault.connect(operator).withdraw(id32('wd:paused'), usdcAddress, bob.address, 1_000_000n));
    assert.equal(await usdc6.balanceOf(vaultAddress), 1_000_000n);
  });

  for (const who of ['admin', 'operator', 'alice']) {
    test(`pause and unpause by ${who} (no pauser role) revert with AccessControlUnauthorizedAccount`, async () => {
      const signer = { admin, operator, alice }[who];
      await expectCustomError(vault.connect(signer).pause(), vaultAbi, 'AccessControlUnauthorizedAccount', [
        signer.address,
        PAUSER_ROLE,
      ]);
      await mined(vault.connect(pauser).pause());
      await expectCustomError(vault.connect(signer).unpause(), vaultAbi, 'AccessControlUnauthorizedAccount', [
        signer.address,
        PAUSER_ROLE,
      ]);
      assert.equal(await vault.paused(), true);
    });
  }
});

describe('interface', () => {
  // Pinned because the C# watcher/executor and the README encode these by hand: a change here must be
  // a deliberate change there too.
  test('the vault exposes exactly the documented functions and events', () => {
    const iface = new ethers.Interface(vaultAbi);
    const functions = [];
    iface.forEachFunction((f) => functions.push(f.format('sighash')));
    const events = [];
    iface.forEachEvent((e) => events.push(`${e.format('sighash')} ${e.topicHash}`));
    assert.deepEqual(functions.sort(), [
      'DEFAULT_ADMIN_ROLE()',
      'OPERATOR_ROLE()',
      'PAUSER_ROLE()',
      'allowedTokens(address)',
      'deposit(bytes32,address,uint256)',
      'depositNative(bytes32)',
      'getRoleAdmin(bytes32)',
      'grantRole(bytes32,address)',
      'hasRole(bytes32,address)',
      'liquidationIdUsed(bytes32)',
      'pause()',
      'paused()',
      'renounceRole(bytes32,address)',
      'revokeRole(bytes32,address)',
      'seize(bytes32,address,address,uint256)',
      'setAllowedToken(address,bool)',
      'supportsInterface(bytes4)',
      'unpause()',
      'withdraw(bytes32,address,address,uint256)',
      'withdrawalIdUsed(bytes32)',
    ]);
    assert.deepEqual(events.sort(), [
      'Deposited(bytes32,address,uint256,address) 0xcf76814c80fa0eff10d850b9e71cc4fd19f769cf953ac349a62982bfea63299d',
      'Paused(address) 0x62e78cea01bee320cd4e420270b5ea74000d11b0c9f74754ebdbfc544b05a258',
      'RoleAdminChanged(bytes32,bytes32,bytes32) 0xbd79b86ffe0ab8e8776151514217cd7cacd52c909f66475c3af44e129f0b00ff',
      'RoleGranted(bytes32,address,address) 0x2f8788117e7eff1d82e926ec794901d17c78024a50270940304540a733656f0d',
      'RoleRevoked(bytes32,address,address) 0xf6391f5c32d9c69d2a47ea670b442974b53935d1edc7fd64eb21e047a839171b',
      'Seized(bytes32,address,address,uint256) 0x729dcea2286597a5d33d6f37a0c811e115fb0867a1a2b89bc7a5e827668c5cbb',
      'TokenAllowed(address,bool) 0x9a8e30a8658b96ab3f034ce4bac6806278b4aee5880ccdd1ac35e4ed5bb31d23',
      'Unpaused(address) 0x5db9ee0a495bf2e6ff9c91a7834c1ba4fdd244a5e8aa4e537bd38aeae4b073aa',
      'Withdrawn(bytes32,address,address,uint256) 0xa6786aab7dbbc48b4b0387488b407bd81448030ab207b50bea7dbb5fbc1cd9eb',
    ]);
  });

  test('the role ids are the keccak-256 of their names', async () => {
    assert.equal(OPERATOR_ROLE, '0x97667070c54ef182b0f5858b034beac1b6f3089aa2d3188bb1e8929f4fa9b929');
    assert.equal(PAUSER_ROLE, '0x65d7a28e3265b37a6474929f336521b332c1681b933f6cb9f3376673440d862a');
    assert.equal(DEFAULT_ADMIN_ROLE, ethers.ZeroHash);
  });
});

describe('administration', () => {
  test('setAllowedToken is admin-only and emits TokenAllowed', async () => {
    const token = await deploy('TestToken', admin, 'Later', 'tLATER', 8);
    const tokenAddress = await token.getAddress();
    for (const signer of [operator, pauser, alice]) {
      await expectCustomError(
        vault.connect(signer).setAllowedToken(tokenAddress, true),
        vaultAbi,
        'AccessControlUnauthorizedAccount',
        [signer.address, DEFAULT_ADMIN_ROLE],
      );
    }
    const receipt = await mined(vault.connect(admin).setAllowedToken(tokenAddress, true));
    const [allowed] = vaultEvents(receipt, 'TokenAllowed');
    assert.deepEqual([...allowed.args], [tokenAddress, true]);
    assert.equal(await vault.allowedTokens(tokenAddress), true);
  });

  test('only contracts can be allowlisted (address(0) is native and implicit)', async () => {
    await expectCustomError(vault.setAllowedToken(ethers.ZeroAddress, true), vaultAbi, 'NotATokenContract', [
      ethers.ZeroAddress,
    ]);
    await expectCustomError(vault.setAllowedToken(alice.address, true), vaultAbi, 'NotATokenContract', [alice.address]);
  });

  test('the constructor grants only the admin role and refuses a zero admin', async () => {
    assert.equal(await vault.hasRole(DEFAULT_ADMIN_ROLE, admin.address), true);
    assert.equal(await vault.hasRole(OPERATOR_ROLE, admin.address), false);
    assert.equal(await vault.hasRole(PAUSER_ROLE, admin.address), false);

    const { bytecode } = loadArtifact('ClearingVault');
    const factory = new ethers.ContractFactory(vaultAbi, bytecode, admin);
    await expectCustomError(factory.deploy(ethers.ZeroAddress), vaultAbi, 'ZeroAdmin');
  });

  test('a revoked operator can no longer seize', async () => {
    await depositErc20(usdc6, alice, accountA, 1_000_000n);
    await mined(vault.connect(admin).revokeRole(OPERATOR_ROLE, operator.address));
    await expectCustomError(
      vault.connect(operator).seize(id32('liq:revoked'), await usdc6.getAddress(), operator.address, 1_000_000n),
      vaultAbi,
      'AccessControlUnauthorizedAccount',
      [operator.address, OPERATOR_ROLE],
    );
  });
});
