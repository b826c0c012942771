// Test support for the contract tests (kept outside test/ so `node --test` does not run it as a
// test file): an anvil child process, artifact loading and custom-error assertions.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';

const devnetRequire = createRequire(new URL('../../../deploy/devnet/package.json', import.meta.url));
export const ethers = devnetRequire('ethers');

const anvilBinary = fileURLToPath(
  new URL('../../../deploy/devnet/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil', import.meta.url),
);
const outDir = new URL('../out/', import.meta.url);

export const chainId = 31337n;
/** How long anvil may take to bind and answer before the suite fails (ms). */
const startDeadlineMs = 20_000;

/**
 * Starts anvil on a port the OS picks (`--port 0`, read back from its "Listening on" line, so no
 * other process can take the port between choosing and binding it) with the default deterministic
 * mnemonic, and resolves once the JSON-RPC endpoint answers eth_chainId.
 */
export async function startAnvil() {
  if (!existsSync(anvilBinary)) {
    throw new Error(`anvil not found at ${anvilBinary} (run: cd deploy/devnet && npm install --no-save)`);
  }
  const child = spawn(anvilBinary, ['--host', '127.0.0.1', '--port', '0', '--chain-id', String(chainId)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  let output = '';
  const port = await new Promise((resolve, reject) => {
    const deadline = setTimeout(() => {
      reject(new Error(`anvil did not report a listening port within ${startDeadlineMs} ms:\n${output}`));
    }, startDeadlineMs);
    const onData = (chunk) => {
      output += chunk;
      const match = /Listening on 127\.0\.0\.1:(\d+)/.exec(output);
      if (match) {
        clearTimeout(deadline);
        resolve(Number(match[1]));
      }
    };
    child.stdout.setEncoding('utf8').on('data', onData);
    child.stderr.setEncoding('utf8').on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(deadline);
      reject(new Error(`anvil exited before listening (code ${code}, signal ${signal}):\n${output}`));
    });
  });
  // Later output is not needed; keep draining the pipes so anvil never blocks on a full buffer.
  child.stdout.removeAllListeners('data').resume();
  child.stderr.removeAllListeners('data').resume();

  const url = `http://127.0.0.1:${port}`;
  // cacheTimeout -1: ethers otherwise answers an identical request (a balance, an estimateGas) from a
  // 250 ms cache, which after evm_revert returns state from before the revert.
  const provider = new ethers.JsonRpcProvider(url, Number(chainId), {
    staticNetwork: true,
    batchMaxCount: 1,
    cacheTimeout: -1,
  });
  // Receipts are there as soon as a transaction is sent (anvil automines); poll fast when ethers polls.
  provider.pollingInterval = 20;
  const answered = await provider.send('eth_chainId', []);
  assert.equal(BigInt(answered), chainId, 'anvil answers with the requested chain id');

  return {
    url,
    provider,
    /** Unlocked default account `index` of anvil's deterministic mnemonic. */
    signer: (index) => provider.getSigner(index),
    async stop() {
      provider.destroy();
      process.removeListener('exit', killOnExit);
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Reads contracts/evm/out/<name>.json as written by build.mjs. */
export function loadArtifact(name) {
  const file = new URL(`${name}.json`, outDir);
  if (!existsSync(file)) {
    throw new Error(`artifact ${fileURLToPath(file)} missing: run node contracts/evm/build.mjs first`);
  }
  return JSON.parse(readFileSync(file, 'utf8'));
}

/** Deploys artifact `name` from `signer` and waits until it is mined. */
export async function deploy(name, signer, ...constructorArgs) {
  const { abi, bytecode } = loadArtifact(name);
  const contract = await new ethers.ContractFactory(abi, bytecode, signer).deploy(...constructorArgs);
  await contract.waitForDeployment();
  return contract;
}

/** How long a sent transaction may take to show a receipt (anvil automines: normally at once) (ms). */
const receiptDeadlineMs = 10_000;

/** Sends a transaction through `call` and returns its mined receipt (asserting success). */
export async function mined(call) {
  const response = await call;
  const receipt = await response.wait(1, receiptDeadlineMs);
  assert.equal(receipt.status, 1, 'transaction succeeded');
  return receipt;
}

/**
 * Asserts that `call` reverts with custom error `name` (decoded with `abi`, which may differ from
 * the called contract's, e.g. a token error bubbled up through the vault) and, if given, `args`.
 */
export async function expectCustomError(call, abi, name, args) {
  const iface = abi instanceof ethers.Interface ? abi : new ethers.Interface(abi);
  await assert.rejects(call, (error) => {
    const data = error?.data ?? error?.info?.error?.data;
    assert.ok(typeof data === 'string' && data.length >= 10, `revert data present (got: ${error?.message})`);
    const decoded = iface.parseError(data);
    assert.ok(decoded, `revert data ${data} decodes with the given ABI`);
    assert.equal(decoded.name, name);
    if (args !== undefined) assert.deepEqual([...decoded.args], args);
    return true;
  });
}

/** A 32-byte id from a readable label (accounts, withdrawal and liquidation ids in tests). */
export const id32 = (label) => ethers.id(label);
