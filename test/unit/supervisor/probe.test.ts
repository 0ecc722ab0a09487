import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';

import type { ReadinessCheck } from '../../../src/config/types';
import { probeComponent, probeTarget } from '../../../src/supervisor/probe';

const TCP: ReadinessCheck = { protocol: 'tcp', host: '127.0.0.1', path: '/' };
const HTTP: ReadinessCheck = { protocol: 'http', host: '127.0.0.1', path: '/is/image' };

let servers: (Server | HttpServer)[] = [];
let sockets: Socket[] = [];

async function listen<T extends Server | HttpServer>(server: T): Promise<number> {
  servers.push(server);
  server.on('connection', (socket: Socket) => sockets.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** Returns a loopback port that nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  const port = await listen(server);
  await new Promise((resolve) => server.close(resolve));
  servers = servers.filter((candidate) => candidate !== server);
  return port;
}

afterEach(async () => {
  for (const socket of sockets) {
    socket.destroy();
  }
  for (const server of servers) {
    await new Promise((resolve) => server.close(resolve));
  }
  servers = [];
  sockets = [];
});

describe('probeTarget', () => {
  it('formats an HTTP target', () => {
    expect(probeTarget(HTTP, 8080)).toBe('http://127.0.0.1:8080/is/image');
  });

  it('formats a TCP target', () => {
    expect(probeTarget(TCP, 27345)).toBe('127.0.0.1:27345');
  });

  it('brackets an IPv6 host', () => {
    expect(probeTarget({ ...HTTP, host: '::1' }, 8080)).toBe('http://[::1]:8080/is/image');
  });
});

describe('probeComponent', () => {
  it('tcp accepts a listening port', async () => {
    const port = await listen(createServer((socket) => socket.end('ready\n')));

    expect(await probeComponent(TCP, port, 1000)).toEqual({ ok: true, detail: 'accepted a TCP connection' });
  });

  it('tcp reports a refused connection', async () => {
    expect(await probeComponent(TCP, await closedPort(), 1000)).toEqual({ ok: false, detail: 'connection refused' });
  });

  it('http counts a 404 as up', async () => {
    const paths: string[] = [];
    const port = await listen(
      createHttpServer((request, response) => {
        paths.push(request.url ?? '');
        response.writeHead(404).end();
      }),
    );

    expect(await probeComponent(HTTP, port, 1000)).toEqual({ ok: true, detail: 'answered HTTP 404' });
    expect(paths).toEqual(['/is/image']);
  });

  it('http times out on a silent server', async () => {
    // Accepts the connection but never sends a response, as a hung JVM does.
    const port = await listen(createServer(() => undefined));

    const result = await probeComponent(HTTP, port, 300);

    expect(result).toEqual({ ok: false, detail: 'no HTTP response within 300 ms' });
  });

  it('http reports a refused connection', async () => {
    expect(await probeComponent(HTTP, await closedPort(), 1000)).toEqual({ ok: false, detail: 'connection refused' });
  });
});
