// A depositor's Solana deposit into the Clearing vault, built with @solana/kit (see README.md "Depositing"):
// TransferChecked into the vault authority's associated token account of the mint, plus a Memo carrying the
// margin account id. Prints the transaction signature.
//
//   node contracts/solana/deposit.mjs --rpc <url> --keypair <solana key file> --vault-authority <address>
//        --mint <address> --decimals <n> --amount <base units> --account <margin account id> [--token-program <address>]
//
// kit is loaded from deploy/devnet/node_modules (install: cd deploy/devnet && npm install --no-save).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath, pathToFileURL } from 'node:url';

const modules = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../deploy/devnet/node_modules');
const entries = {
  kit: path.join(modules, '@solana/kit/dist/index.node.mjs'),
  token: path.join(modules, '@solana-program/token/dist/src/index.mjs'),
};
for (const entry of Object.values(entries)) {
  if (!existsSync(entry)) {
    console.error(`${entry} is missing: run \`cd deploy/devnet && npm install --no-save\``);
    process.exit(3);
  }
}

const {
  address, appendTransactionMessageInstructions, createKeyPairSignerFromBytes, createSolanaRpc, createTransactionMessage,
  getBase64EncodedWireTransaction, pipe, setTransactionMessageFeePayerSigner, setTransactionMessageLifetimeUsingBlockhash,
  signTransactionMessageWithSigners,
} = await import(pathToFileURL(entries.kit).href);
const { TOKEN_PROGRAM_ADDRESS, findAssociatedTokenPda, getTransferCheckedInstruction } = await import(pathToFileURL(entries.token).href);

const MEMO_PROGRAM = address('MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr');

/** Sends the deposit; returns its signature. `amount` is a bigint in the mint's base units. */
export async function deposit(rpc, depositor, { vaultAuthority, mint, decimals, amount, accountId, tokenProgram = TOKEN_PROGRAM_ADDRESS }) {
  const [source] = await findAssociatedTokenPda({ owner: depositor.address, mint, tokenProgram });
  const [vault] = await findAssociatedTokenPda({ owner: vaultAuthority, mint, tokenProgram });
  const { value: blockhash } = await rpc.getLatestBlockhash({ commitment: 'confirmed' }).send();
  const transaction = await signTransactionMessageWithSigners(pipe(
    createTransactionMessage({ version: 0 }),
    (m) => setTransactionMessageFeePayerSigner(depositor, m),
    (m) => setTransactionMessageLifetimeUsingBlockhash(blockhash, m),
    (m) => appendTransactionMessageInstructions([
      getTransferCheckedInstruction({ source, mint, destination: vault, authority: depositor, amount, decimals }, { programAddress: tokenProgram }),
      // The Memo program takes the UTF-8 text as its data and needs no accounts.
      { programAddress: MEMO_PROGRAM, accounts: [], data: new TextEncoder().encode(accountId) },
    ], m),
  ));
  return rpc.sendTransaction(getBase64EncodedWireTransaction(transaction), { encoding: 'base64', preflightCommitment: 'confirmed' }).send();
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      rpc: { type: 'string' }, keypair: { type: 'string' }, 'vault-authority': { type: 'string' }, mint: { type: 'string' },
      decimals: { type: 'string' }, amount: { type: 'string' }, account: { type: 'string' }, 'token-program': { type: 'string' },
    },
  });
  const missing = ['rpc', 'keypair', 'vault-authority', 'mint', 'decimals', 'amount', 'account'].filter((name) => values[name] === undefined);
  if (missing.length > 0) {
    console.error(`missing --${missing.join(', --')}`);
    process.exit(2);
  }

  const depositor = await createKeyPairSignerFromBytes(new Uint8Array(JSON.parse(readFileSync(values.keypair, 'utf8'))));
  const signature = await deposit(createSolanaRpc(values.rpc), depositor, {
    vaultAuthority: address(values['vault-authority']),
    mint: address(values.mint),
    decimals: Number(values.decimals),
    amount: BigInt(values.amount),
    accountId: values.account,
    tokenProgram: values['token-program'] === undefined ? TOKEN_PROGRAM_ADDRESS : address(values['token-program']),
  });
  console.log(signature);
}
