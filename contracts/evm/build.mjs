// Compiles every .sol under contracts/evm/src with solc-js (offline; forge would need a native
// download) and writes one artifact per contract to contracts/evm/out/<Name>.json:
//   { contractName, abi, bytecode: "0x…", deployedBytecode: "0x…" }
// Source unit names are repository-relative ("src/…", "@openzeppelin/…"), never absolute paths,
// so the embedded metadata hash and therefore the bytecode are the same on every machine.
// Usage: node contracts/evm/build.mjs
import { createRequire } from 'node:module';
import { readFileSync, readdirSync, mkdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const evmDir = dirname(fileURLToPath(import.meta.url));
const srcDir = join(evmDir, 'src');
const outDir = join(evmDir, 'out');
const devnetPackage = new URL('../../deploy/devnet/package.json', import.meta.url);
const devnetRequire = createRequire(devnetPackage);
const nodeModules = join(dirname(fileURLToPath(devnetPackage)), 'node_modules');

/** The one compiler version the artifacts are built and tested with. */
const expectedSolcVersion = '0.8.37';

function fail(message) {
  console.error(`contracts/evm build FAILED: ${message}`);
  process.exit(1);
}

let solc;
try {
  solc = devnetRequire('solc');
} catch (error) {
  fail(`solc-js not found in deploy/devnet/node_modules (run: cd deploy/devnet && npm ci): ${error.message}`);
}
if (!solc.version().startsWith(`${expectedSolcVersion}+`)) {
  fail(`expected solc ${expectedSolcVersion}, found ${solc.version()}`);
}

/** Every .sol file under dir, as sorted repository-relative paths with forward slashes. */
function solidityFiles(dir) {
  const found = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...solidityFiles(path));
    else if (entry.name.endsWith('.sol')) found.push(relative(evmDir, path).split(sep).join('/'));
  }
  return found.sort();
}

const sourceNames = solidityFiles(srcDir);
if (sourceNames.length === 0) fail(`no .sol files under ${srcDir}`);

const input = {
  language: 'Solidity',
  sources: Object.fromEntries(
    sourceNames.map((name) => [name, { content: readFileSync(join(evmDir, name), 'utf8') }]),
  ),
  settings: {
    optimizer: { enabled: true, runs: 200 },
    // anvil 1.7.1 runs Cancun; the vault needs nothing newer.
    evmVersion: 'cancun',
    outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
  },
};

/** Only package imports are resolved, and only from deploy/devnet's node_modules. */
function findImports(importPath) {
  if (!importPath.startsWith('@openzeppelin/')) {
    return { error: `import ${importPath} is not a source under src/ nor an @openzeppelin package` };
  }
  const file = join(nodeModules, importPath);
  if (!existsSync(file)) return { error: `${importPath} not found in deploy/devnet/node_modules` };
  return { contents: readFileSync(file, 'utf8') };
}

const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }));
const diagnostics = output.errors ?? [];
for (const diagnostic of diagnostics) {
  console.error(diagnostic.formattedMessage ?? diagnostic.message);
}
const errors = diagnostics.filter((d) => d.severity === 'error');
if (errors.length > 0) fail(`${errors.length} compiler error(s)`);
// Warnings are treated like the C# side's TreatWarningsAsErrors: a warning here is a bug to fix.
const warnings = diagnostics.filter((d) => d.severity === 'warning');
if (warnings.length > 0) fail(`${warnings.length} compiler warning(s)`);

// Start from an empty out/ so an artifact of a deleted contract never lingers.
rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });

const written = [];
for (const sourceName of sourceNames) {
  const contracts = output.contracts?.[sourceName] ?? {};
  for (const contractName of Object.keys(contracts).sort()) {
    if (written.includes(contractName)) fail(`two contracts named ${contractName}: artifact names must be unique`);
    const { abi, evm } = contracts[contractName];
    const artifact = {
      contractName,
      abi,
      bytecode: `0x${evm.bytecode.object}`,
      deployedBytecode: `0x${evm.deployedBytecode.object}`,
    };
    writeFileSync(join(outDir, `${contractName}.json`), `${JSON.stringify(artifact, null, 2)}\n`);
    written.push(contractName);
  }
}

console.log(
  `contracts/evm: solc ${solc.version()} compiled ${sourceNames.length} sources -> ${written.length} artifacts in contracts/evm/out (${written.join(', ')})`,
);
