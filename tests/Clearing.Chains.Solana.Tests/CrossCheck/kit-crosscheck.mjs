// Computes @solana/kit's answers for the cases KitCrossCheckTests generates, so the C# test can assert that
// Clearing.Chains.Solana produces the same bytes. Usage: node kit-crosscheck.mjs <cases.json> <answers.json>
// kit is imported from deploy/devnet/node_modules by absolute path (install: cd deploy/devnet && npm install --no-save).
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
const kitEntry = path.resolve(here, '../../../deploy/devnet/node_modules/@solana/kit/dist/index.node.mjs');
if (!existsSync(kitEntry)) {
    console.error(`@solana/kit not found at ${kitEntry}: run \`cd deploy/devnet && npm install --no-save\``);
    process.exit(3);
}

const kit = await import(pathToFileURL(kitEntry).href);
const {
    address,
    appendTransactionMessageInstructions,
    compileTransaction,
    compileTransactionMessage,
    compressTransactionMessageUsingAddressLookupTables,
    createKeyPairFromPrivateKeyBytes,
    createTransactionMessage,
    getAddressDecoder,
    getAddressEncoder,
    getAddressComparator,
    getAddressFromPublicKey,
    getCompiledTransactionMessageEncoder,
    getProgramDerivedAddress,
    getTransactionEncoder,
    isOffCurveAddress,
    partiallySignTransaction,
    setTransactionMessageFeePayer,
    setTransactionMessageLifetimeUsingBlockhash,
    signBytes,
} = kit;

const [casesPath, answersPath] = process.argv.slice(2);
const cases = JSON.parse(readFileSync(casesPath, 'utf8'));
const hex = bytes => Buffer.from(bytes).toString('hex');
const fromHex = text => new Uint8Array(Buffer.from(text, 'hex'));
const addressEncoder = getAddressEncoder();
const addressDecoder = getAddressDecoder();

const keyPairCache = new Map();
async function keyPairFromSeed(seedHex) {
    if (!keyPairCache.has(seedHex)) {
        keyPairCache.set(seedHex, await createKeyPairFromPrivateKeyBytes(fromHex(seedHex)));
    }
    return keyPairCache.get(seedHex);
}

const answers = { keypairs: [], signatures: [], pdas: [], atas: [], curve: [], orderings: [], messages: [] };

for (const seed of cases.keypairs) {
    answers.keypairs.push(await getAddressFromPublicKey((await keyPairFromSeed(seed)).publicKey));
}

for (const { seed, message } of cases.signatures) {
    answers.signatures.push(hex(await signBytes((await keyPairFromSeed(seed)).privateKey, fromHex(message))));
}

for (const { programId, seeds } of cases.pdas) {
    const [pda, bump] = await getProgramDerivedAddress({ programAddress: address(programId), seeds: seeds.map(fromHex) });
    answers.pdas.push({ address: pda, bump });
}

for (const { wallet, mint, tokenProgram, ataProgram } of cases.atas) {
    const [ata] = await getProgramDerivedAddress({
        programAddress: address(ataProgram),
        seeds: [addressEncoder.encode(address(wallet)), addressEncoder.encode(address(tokenProgram)), addressEncoder.encode(address(mint))],
    });
    answers.atas.push(ata);
}

for (const pointHex of cases.curve) {
    answers.curve.push(!isOffCurveAddress(addressDecoder.decode(fromHex(pointHex))));
}

const compareAddresses = getAddressComparator();
for (const [left, right] of cases.orderings) {
    answers.orderings.push(Math.sign(compareAddresses(left, right)));
}

for (const c of cases.messages) {
    let message = createTransactionMessage({ version: c.version === 'legacy' ? 'legacy' : 0 });
    message = setTransactionMessageFeePayer(address(c.feePayer), message);
    message = setTransactionMessageLifetimeUsingBlockhash({ blockhash: c.blockhash, lastValidBlockHeight: 0n }, message);
    message = appendTransactionMessageInstructions(
        c.instructions.map(ix => ({
            programAddress: address(ix.programAddress),
            accounts: ix.accounts.map(a => ({ address: address(a.address), role: a.role })),
            data: fromHex(ix.data),
        })),
        message,
    );
    if (c.version !== 'legacy' && c.lookupTables.length > 0) {
        const tables = {};
        for (const table of c.lookupTables) {
            tables[table.address] = table.addresses.map(a => address(a));
        }
        message = compressTransactionMessageUsingAddressLookupTables(message, tables);
    }

    const messageBytes = getCompiledTransactionMessageEncoder().encode(compileTransactionMessage(message));
    const keyPairs = await Promise.all(c.signerSeeds.map(keyPairFromSeed));
    const transaction = await partiallySignTransaction(keyPairs, compileTransaction(message));
    answers.messages.push({ message: hex(messageBytes), transaction: hex(getTransactionEncoder().encode(transaction)) });
}

writeFileSync(answersPath, JSON.stringify(answers));
