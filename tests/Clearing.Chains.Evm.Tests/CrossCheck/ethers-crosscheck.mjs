// Computes ethers 6's answers for the random cases EthersCrossCheckTests generates, so the C# test can compare
// ours with a real client byte for byte. Usage: node ethers-crosscheck.mjs <cases.json> <answers.json>
// ethers is imported from deploy/devnet/node_modules, found from this script's own location (no global install).
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const ethersEntry = join(repoRoot, 'deploy', 'devnet', 'node_modules', 'ethers', 'lib.esm', 'index.js');
if (!existsSync(ethersEntry)) {
  console.error(`ethers is not installed at ${ethersEntry}: run \`cd deploy/devnet && npm install --no-save\``);
  process.exit(3);
}

const { Wallet, SigningKey, Transaction, AbiCoder, FunctionFragment, encodeRlp } = await import(pathToFileURL(ethersEntry).href);

const [inputPath, outputPath] = process.argv.slice(2);
const cases = JSON.parse(readFileSync(inputPath, 'utf8'));
const coder = AbiCoder.defaultAbiCoder();

function sign(fields, key) {
  const tx = Transaction.from(fields);
  tx.signature = new SigningKey(key).sign(tx.unsignedHash);
  return { serialized: tx.serialized, hash: tx.hash, from: tx.from };
}

const answers = {
  keys: cases.keys.map((key) => new Wallet(key).address),
  legacy: cases.legacy.map((c) => sign({
    type: 0,
    chainId: BigInt(c.chainId),
    nonce: Number(c.nonce),
    gasPrice: BigInt(c.gasPrice),
    gasLimit: BigInt(c.gasLimit),
    to: c.to,
    value: BigInt(c.value),
    data: c.data,
  }, c.key)),
  eip1559: cases.eip1559.map((c) => sign({
    type: 2,
    chainId: BigInt(c.chainId),
    nonce: Number(c.nonce),
    maxPriorityFeePerGas: BigInt(c.maxPriorityFeePerGas),
    maxFeePerGas: BigInt(c.maxFeePerGas),
    gasLimit: BigInt(c.gasLimit),
    to: c.to,
    value: BigInt(c.value),
    data: c.data,
    accessList: c.accessList,
  }, c.key)),
  abi: cases.abi.map((c) => ({
    encoded: coder.encode(c.types, c.values),
    selector: FunctionFragment.from('function ' + c.signature).selector,
  })),
  rlp: cases.rlp.map((item) => encodeRlp(item)),
};

writeFileSync(outputPath, JSON.stringify(answers));
