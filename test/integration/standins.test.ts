import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { freePort, PACKAGE_ROOT, sleep } from './harness';

/** Polls a text source until it matches, or fails with what it held. */
async function waitForText(read: () => string, pattern: RegExp, timeoutMs = 10_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(read())) {
    if (Date.now() > deadline) {
      throw new Error(`output did not match ${pattern} within ${timeoutMs} ms:\n${read()}`);
    }
    await sleep(50);
  }
  return read();
}

/** Connects, waits for the greeting and resets the connection; resolves with the client's local port. */
function connectAndReset(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('error', reject);
    socket.once('data', () => {
      const localPort = socket.localPort ?? 0;
      socket.resetAndDestroy();
      resolve(localPort);
    });
  });
}

describe('stand-ins', () => {
  it('log a reset client by address', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [join(PACKAGE_ROOT, 'standins', 'image-server.js'), '--port', String(port)]);
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });

    try {
      await waitForText(() => stdout, /listening on/);
      const clientPort = await connectAndReset(port);
      const output = await waitForText(() => stdout, /ended: /);

      expect(output).toContain(`connection from 127.0.0.1:${clientPort} ended: ECONNRESET\n`);
      expect(output).not.toContain('undefined');
    } finally {
      child.kill('SIGKILL');
    }
  });
});
