import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

import { findProcesses, freePort, isAlive, jsonStatus, PACKAGE_ROOT, requirePid, Sandbox } from './harness';

const WRAPPER = join(PACKAGE_ROOT, 'test', 'fixtures', 'wrapper-without-exec.sh');

/** Resident memory of one process, from /proc/PID/status. */
function residentBytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1] ?? 0) * 1024;
}

function childrenOf(pid: number): number[] {
  return findProcesses(() => true).filter((candidate) => {
    const stat = readFileSync(`/proc/${candidate}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid;
  });
}

describe('readiness and health', () => {
  let sandbox: Sandbox | undefined;

  afterEach(async () => {
    await sandbox?.cleanup();
    sandbox = undefined;
  });

  it('start fails when a port never answers', async () => {
    sandbox = await Sandbox.create();
    const elsewhere = await freePort();
    // The stand-in listens on another port than the one the check probes.
    sandbox.writeEnvironment('test', { is: { args: `["--port", "${elsewhere}"]`, startTimeout: '2' } });
    const startedAt = Date.now();

    const result = await sandbox.run(['start']);
    const status = await jsonStatus(sandbox);

    expect(result.code).toBe(1);
    expect(Date.now() - startedAt).toBeLessThan(15_000);
    expect(result.stderr).toMatch(
      new RegExp(
        `is \\(Image Server\\) failed to start: did not answer on 127\\.0\\.0\\.1:${sandbox.ports.is} within its 2\\.0 s start timeout ` +
          '\\(state online, pid \\d+, last check: connection refused\\); it is stopped now\\.',
      ),
    );
    expect(result.stderr).toContain(`Last lines of ${join(sandbox.home, 'logs', 'is-out.log')}:`);
    expect(result.stderr).toContain(`listening on 127.0.0.1:${elsewhere}`);
    expect(status.components.find((component) => component.id === 'is')?.state).toBe('stopped');
    expect(status.components.find((component) => component.id === 'ps')?.state).toBe('not started');
  });

  it('start refuses a port another process holds', async () => {
    sandbox = await Sandbox.create();
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(sandbox?.ports.ps, '127.0.0.1', resolve));

    try {
      const result = await sandbox.run(['start']);
      const state = Object.fromEntries((await jsonStatus(sandbox)).components.map((component) => [component.id, component.state]));

      expect(result.code).toBe(1);
      expect(result.stderr).toContain(
        `ps (Platform Server) not started: port ${sandbox.ports.ps} is already in use by pid ${process.pid} (`,
      );
      expect(result.stderr).toContain('online: is, svg; not started: ps.');
      expect(state).toEqual({ ps: 'not started', is: 'online', svg: 'online' });
    } finally {
      squatter.close();
    }
  });

  it('start waits for an online component that does not answer', async () => {
    sandbox = await Sandbox.create();
    expect((await sandbox.run(['start'])).code).toBe(0);
    const before = await jsonStatus(sandbox);
    const isPid = before.components.find((component) => component.id === 'is')?.pid;
    expect((await sandbox.runPm2(['stop', 'ps'])).code).toBe(0);
    // The Image Server stand-in speaks no HTTP, so an HTTP check of it never succeeds.
    sandbox.writeEnvironment('test', { is: { readiness: '{ protocol: http }', startTimeout: '2' } });

    const result = await sandbox.run(['start']);
    const after = await jsonStatus(sandbox);
    const state = Object.fromEntries(after.components.map((component) => [component.id, component.state]));

    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^is\s+Image Server\s+already online \(pid \d+\), left alone$/m);
    expect(result.stderr).toMatch(/^is\s+Image Server\s+not answering on http:\/\/127\.0\.0\.1:\d+\/ \(.+\); waiting up to 2\.0 s for it$/m);
    expect(result.stderr).toContain('is (Image Server) was already running but is not serving: did not answer on');
    expect(result.stderr).toContain('it is left running.');
    expect(result.stderr).toContain('online: is, svg; not started: ps.');
    expect(after.components.find((component) => component.id === 'is')?.pid).toBe(isPid);
    expect(state).toEqual({ ps: 'stopped', is: 'online', svg: 'online' });
  });

  it('status reports a port that stopped answering', async () => {
    sandbox = await Sandbox.create();
    expect((await sandbox.run(['start'])).code).toBe(0);
    // Point the check at a free port, without restarting svg.
    sandbox.writeEnvironment('test', { svg: { port: String(await freePort()) } });

    const result = await sandbox.run(['status']);
    const svgRow = result.stdout.split('\n').find((line) => line.startsWith('svg'));

    expect(result.code).toBe(3);
    expect(svgRow).toMatch(/^svg\s+SVG server\s+online\s+not answering\s+\d+/);
    expect(result.stdout).toMatch(/^is\s+Image Server\s+online\s+ok\s+\d+/m);
  });

  it('hung HTTP server does not stall status', async () => {
    sandbox = await Sandbox.create();
    expect((await sandbox.run(['start'])).code).toBe(0);
    const ps = requirePid((await jsonStatus(sandbox)).components.find((component) => component.id === 'ps')?.pid);

    process.kill(ps, 'SIGSTOP');
    try {
      const startedAt = Date.now();
      const status = await jsonStatus(sandbox);
      const health = Object.fromEntries(status.components.map((component) => [component.id, component.health]));

      expect(health).toEqual({ ps: 'not answering', is: 'ok', svg: 'ok' });
      expect(Date.now() - startedAt).toBeLessThan(8_000);
    } finally {
      process.kill(ps, 'SIGCONT');
    }
  });

  it('wrapper script: child memory counts and nothing survives stop', async () => {
    sandbox = await Sandbox.create();
    sandbox.writeEnvironment('test', { is: { executable: WRAPPER } });
    expect((await sandbox.run(['start'])).code).toBe(0);

    const is = (await jsonStatus(sandbox)).components.find((component) => component.id === 'is');
    const wrapper = requirePid(is?.pid);
    const [server] = childrenOf(wrapper);
    const expected = residentBytes(wrapper) + residentBytes(requirePid(server));

    expect(is?.health).toBe('ok');
    expect(readFileSync(`/proc/${server}/cmdline`, 'utf8')).toContain('image-server.js');
    // The shell alone is about 1 MiB; the Node.js server behind it is tens of MiB.
    expect(is?.memoryBytes).toBeGreaterThan(residentBytes(wrapper) + 10 * 1024 * 1024);
    expect(Math.abs((is?.memoryBytes ?? 0) - expected) / expected).toBeLessThan(0.1);

    const stop = await sandbox.run(['stop']);

    expect(stop.code).toBe(0);
    expect(stop.stderr).toMatch(new RegExp(`^is\\s+Image Server\\s+stopped on its own \\(pid ${wrapper}, `, 'm'));
    expect(isAlive(wrapper)).toBe(false);
    expect(isAlive(requirePid(server))).toBe(false);
    expect(sandbox.processes()).toEqual([]);
  });
});
