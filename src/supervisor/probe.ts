import type * as Http from 'node:http';
import { connect } from 'node:net';

import type { ReadinessCheck } from '../config/types';

/** Milliseconds a probe's connection may take to close once the check has its result. */
const CLOSE_GRACE_MS = 500;

/** Outcome of one readiness probe, with a detail that describes the response or the failure. */
export interface ProbeResult {
  ok: boolean;
  detail: string;
}

/** Describes the probe's target for messages: http://127.0.0.1:8080/ or 127.0.0.1:27345. */
export function probeTarget(check: ReadinessCheck, port: number): string {
  const host = check.host.includes(':') ? `[${check.host}]` : check.host;

  return check.protocol === 'http' ? `http://${host}:${port}${check.path}` : `${host}:${port}`;
}

function describeFailure(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ECONNRESET':
      return 'connection reset';
    default:
      return error.code ?? error.message;
  }
}

function probeTcp(check: ReadinessCheck, port: number, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const socket = connect({ host: check.host, port });
    socket.unref();

    socket.setTimeout(timeoutMs, () => {
      socket.destroy();
      resolve({ ok: false, detail: `no answer within ${timeoutMs} ms` });
    });
    socket.once('connect', () => {
      // Hang up politely: read what the server sends and close with FIN, since
      // closing with unread data sends a reset that a server may log as an error.
      socket.setTimeout(0);
      socket.resume();
      socket.end();
      setTimeout(() => socket.destroy(), CLOSE_GRACE_MS).unref();
      resolve({ ok: true, detail: 'accepted a TCP connection' });
    });
    socket.once('error', (error) => {
      socket.destroy();
      resolve({ ok: false, detail: describeFailure(error) });
    });
  });
}

function probeHttp(check: ReadinessCheck, port: number, timeoutMs: number): Promise<ProbeResult> {
  // Loaded here, not at the top: status without a running supervisor never checks a port, and
  // node:http costs it about 1 ms. require(), since import() fails in code from the compile cache.
  const { request } = require('node:http') as typeof Http;

  return new Promise((resolve) => {
    const req = request({ host: check.host, port, path: check.path, method: 'GET', agent: false, timeout: timeoutMs });
    const finish = (result: ProbeResult): void => {
      req.destroy();
      resolve(result);
    };

    // Any HTTP response, a 404 included, proves that the connector accepts requests.
    req.once('response', (response) => {
      response.resume();
      finish({ ok: true, detail: `answered HTTP ${response.statusCode ?? '?'}` });
    });
    req.once('timeout', () => finish({ ok: false, detail: `no HTTP response within ${timeoutMs} ms` }));
    req.once('error', (error) => finish({ ok: false, detail: describeFailure(error) }));
    req.end();
  });
}

/** Checks once whether a component responds on its port: a TCP connect, or an HTTP request with any response. */
export function probeComponent(check: ReadinessCheck, port: number, timeoutMs: number): Promise<ProbeResult> {
  return check.protocol === 'http' ? probeHttp(check, port, timeoutMs) : probeTcp(check, port, timeoutMs);
}
