// Starts solana-rpc.mjs as a child process on a free loopback port and waits for its ready line.

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SERVER = fileURLToPath(new URL('../solana-rpc.mjs', import.meta.url));
const READY = /^solana-devnet listening on (http:\/\/127\.0\.0\.1:\d+) \(litesvm ([^,]+), finalized lag (\d+) slots\)$/;

/**
 * @returns {Promise<{url: string, litesvmVersion: string, finalizedLag: number, stop: () => Promise<void>}>}
 */
export function startDevnet(extraArgs = [], { readyTimeoutMs = 20_000 } = {}) {
  const child = spawn(process.execPath, [SERVER, '--port', '0', ...extraArgs], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => { stderr += chunk; });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
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
