import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';

import { describePortHolders, findPortHolders } from '../../../src/supervisor/port-holders';

let server: Server | undefined;

afterEach(async () => {
  await new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())));
  server = undefined;
});

function listen(host: string): Promise<number> {
  server = createServer();
  return new Promise((resolve) => {
    server?.listen(0, host, () => {
      const address = server?.address();
      resolve(typeof address === 'object' && address !== null ? address.port : 0);
    });
  });
}

describe('findPortHolders', () => {
  it.each(['127.0.0.1', '::1'])('finds this process on %s', async (host) => {
    const port = await listen(host);

    const holders = findPortHolders(port);

    expect(holders.map((holder) => holder.pid)).toEqual([process.pid]);
    expect(describePortHolders(holders)).toMatch(new RegExp(`^pid ${process.pid} \\(.*node`));
  });

  it('closed port has no holder', async () => {
    const port = await listen('127.0.0.1');
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    server = undefined;

    expect(findPortHolders(port)).toEqual([]);
  });
});
