#!/usr/bin/env node
// Solana devnet: a Solana JSON-RPC server over LiteSVM, for Clearing's demo and tests.
//
//   node deploy/devnet/solana-rpc.mjs --port <port> [--host 127.0.0.1] [--slot-ms 400]
//                                     [--confirmed-lag 1] [--finalized-lag 8]
//
// When it listens it prints exactly one line on stdout (test fixtures wait for it):
//   solana-devnet listening on http://127.0.0.1:<port> (litesvm <version>, finalized lag <n> slots)

import { parseArgs } from 'node:util';
import { Chain, LITESVM_VERSION } from './lib/chain.mjs';
import { createMethods } from './lib/methods.mjs';
import { createRpcServer } from './lib/server.mjs';

function fail(message) {
  process.stderr.write(`solana-rpc: ${message}\n`);
  process.exit(2);
}

const { values: args } = parseArgs({
  options: {
    port: { type: 'string' },
    host: { type: 'string', default: '127.0.0.1' },
    'slot-ms': { type: 'string', default: '400' },
    'confirmed-lag': { type: 'string' },
    'finalized-lag': { type: 'string', default: '8' },
  },
  strict: true,
});

const integer = (name, min) => {
  const value = Number(args[name]);
  if (!Number.isInteger(value) || value < min) fail(`--${name} must be an integer >= ${min} (got ${args[name]})`);
  return value;
};

if (args.port === undefined) fail('--port is required (0 picks a free port)');
const port = integer('port', 0);
const slotMs = integer('slot-ms', 1);
// setInterval cannot wait longer than 2^31-1 ms (it would fire every millisecond instead).
if (slotMs > 2 ** 31 - 1) fail(`--slot-ms must be at most ${2 ** 31 - 1}`);
const finalizedLag = integer('finalized-lag', 0);
// Default: confirmed trails processed by one slot (never more than finalized does).
const confirmedLag = args['confirmed-lag'] === undefined ? Math.min(1, finalizedLag) : integer('confirmed-lag', 0);
if (confirmedLag > finalizedLag) fail('--confirmed-lag cannot exceed --finalized-lag');
// Only loopback: this devnet has no authentication and hands out lamports to anyone.
if (!['127.0.0.1', 'localhost', '::1'].includes(args.host)) fail(`--host must be a loopback address (got ${args.host})`);

const chain = new Chain({ confirmedLag, finalizedLag });
const server = createRpcServer(createMethods(chain), { log: (line) => process.stderr.write(`${line}\n`) });

server.listen(port, args.host, () => {
  const { port: boundPort } = server.address();
  const host = args.host === '::1' ? '[::1]' : args.host;
  process.stdout.write(`solana-devnet listening on http://${host}:${boundPort} (litesvm ${LITESVM_VERSION}, finalized lag ${finalizedLag} slots)\n`);
});
server.on('error', (error) => fail(`cannot listen on ${args.host}:${port}: ${error.message}`));

// Slots advance on the clock; devnet_advanceSlots moves them on demand as well.
const clock = setInterval(() => chain.advanceSlots(1), slotMs);

function shutdown() {
  clearInterval(clock);
  server.close(() => process.exit(0));
  server.closeAllConnections();
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
