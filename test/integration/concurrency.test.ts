import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

import { isAlive, jsonStatus, PACKAGE_ROOT, requirePid, runNode, Sandbox, sleep } from './harness';

const SLOW_EXIT = join(PACKAGE_ROOT, 'test', 'fixtures', 'slow-exit.js');
const LINGERING_LISTENER = join(PACKAGE_ROOT, 'test', 'fixtures', 'lingering-listener.js');

/** Waits until the sandbox's lock file names the given pid. */
async function waitForLockHolder(sandbox: Sandbox, pid: number): Promise<void> {
  const file = join(sandbox.home, 'imageserving.lock');
  const deadline = Date.now() + 20_000;

  while (Date.now() < deadline) {
    if (existsSync(file) && readFileSync(file, 'utf8').includes(`"pid":${pid},`)) {
      return;
    }
    await sleep(50);
  }
  throw new Error(`pid ${pid} did not take the lock within 20 s`);
}

/** Pid of a process that has exited, for a lock left by a dead holder. */
async function deadPid(): Promise<number> {
  const result = await runNode(['-e', 'process.stdout.write(String(process.pid))'], process.env, 10_000);
  return Number(result.stdout);
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

describe('concurrent operators', () => {
  let sandbox: Sandbox | undefined;

  afterEach(async () => {
    await sandbox?.cleanup();
    sandbox = undefined;
  });

  it('second restart waits for the first', async () => {
    sandbox = await Sandbox.create();
    sandbox.writeEnvironment('test', { is: { executable: SLOW_EXIT, port: undefined, args: '["--delay", "2"]' } });
    expect((await sandbox.run(['start'])).code).toBe(0);
    const before = requirePid((await jsonStatus(sandbox)).components.find((component) => component.id === 'is')?.pid);

    const first = sandbox.launch(['restart', 'is']);
    await waitForLockHolder(sandbox, first.pid);
    const second = sandbox.launch(['restart', 'is']);
    const [firstResult, secondResult] = await Promise.all([first.done, second.done]);
    const is = (await jsonStatus(sandbox)).components.find((component) => component.id === 'is');

    expect(firstResult.code).toBe(0);
    expect(secondResult.code).toBe(0);
    expect(secondResult.stderr).toContain(`waiting for the lock in ${sandbox.home}, held by pid ${first.pid} (ImageServing --env test`);
    expect(secondResult.stderr).toMatch(/ restart is\), which took it at [\d:]+; waiting up to 300 s/);
    // The second restart stopped the process the first one started, so they ran one after the other.
    expect(secondResult.stderr).toMatch(/^is\s+Image Server\s+stopped on its own \(pid \d+, exited with code 0 after [\d.]+ s\)$/m);
    expect(is?.state).toBe('online');
    expect(isAlive(before)).toBe(false);
    expect(existsSync(join(sandbox.home, 'imageserving.lock'))).toBe(false);
  });

  it('lock wait gives up at lockTimeout', async () => {
    sandbox = await Sandbox.create();
    sandbox.writeEnvironment('test', {
      supervisor: { lockTimeout: '1' },
      is: { executable: SLOW_EXIT, port: undefined, args: '["--delay", "4"]', stopTimeout: '10' },
    });
    expect((await sandbox.run(['start'])).code).toBe(0);
    const pids = (await jsonStatus(sandbox)).components.map((component) => component.pid);

    const stop = sandbox.launch(['stop']);
    await waitForLockHolder(sandbox, stop.pid);
    const startedAt = Date.now();
    const start = await sandbox.run(['start']);
    const waitedMs = Date.now() - startedAt;
    const stopResult = await stop.done;

    expect(start.code).toBe(1);
    expect(start.stderr).toContain(`gave up after waiting 1 s for the lock in ${sandbox.home}, held by pid ${stop.pid}`);
    expect(start.stderr).toContain('run the command again once it has finished, or raise supervisor.lockTimeout');
    expect(waitedMs).toBeLessThan(4000);
    expect(stopResult.code).toBe(0);
    expect(stopResult.stderr).not.toContain('waiting for the lock');
    expect(sandbox.processes()).toEqual([]);
    expect(pids.every((pid) => pid !== null && !isAlive(pid))).toBe(true);
  });

  it('status takes no lock', async () => {
    sandbox = await Sandbox.create();
    sandbox.writeEnvironment('test', { is: { executable: SLOW_EXIT, port: undefined, args: '["--delay", "4"]', stopTimeout: '10' } });
    expect((await sandbox.run(['start'])).code).toBe(0);

    const stop = sandbox.launch(['stop']);
    await waitForLockHolder(sandbox, stop.pid);
    const status = await sandbox.run(['status', '--json']);
    const stopStillRunning = isAlive(stop.pid);
    await stop.done;

    expect(status.stderr).not.toContain('waiting for the lock');
    expect(stopStillRunning).toBe(true);
    expect(JSON.parse(status.stdout)).toMatchObject({ supervisor: { running: true } });
  });

  it('lock of a dead holder is taken over', async () => {
    sandbox = await Sandbox.create();
    const pid = await deadPid();
    // The home exists with a lock that a start, since killed, left behind.
    expect((await sandbox.run(['start'])).code).toBe(0);
    expect((await sandbox.run(['stop'])).code).toBe(0);
    writeFileSync(
      join(sandbox.home, 'imageserving.lock'),
      JSON.stringify({ pid, startTime: '1', command: 'ImageServing start', since: Date.now() - 60_000 }),
    );

    const start = await sandbox.run(['start']);

    expect(start.code).toBe(0);
    expect(start.stderr).toContain(`took over the lock in ${sandbox.home} from pid ${pid} (ImageServing start), which is no longer running`);
    expect(existsSync(join(sandbox.home, 'imageserving.lock'))).toBe(false);
  });

  it('restart waits for the old port', async () => {
    sandbox = await Sandbox.create();
    const pidFile = join(sandbox.root, 'listener.pid');
    sandbox.writeEnvironment('test', {
      ps: {
        executable: LINGERING_LISTENER,
        args: `["--port", "${sandbox.ports.ps}", "--linger", "2", "--pid-file", "${pidFile}"]`,
        // The listener accepts TCP connections but does not speak HTTP.
        readiness: '{ protocol: tcp }',
      },
    });
    expect((await sandbox.run(['start'])).code).toBe(0);
    const oldListener = Number(readFileSync(pidFile, 'utf8'));

    try {
      const restart = await sandbox.run(['restart', 'ps']);
      const ps = (await jsonStatus(sandbox)).components.find((component) => component.id === 'ps');

      expect(restart.code).toBe(0);
      expect(restart.stderr).toMatch(
        new RegExp(`^ps\\s+Platform Server\\s+waiting up to 5\\.0 s for port ${sandbox.ports.ps}, still held by pid ${oldListener} \\(`, 'm'),
      );
      expect(ps?.state).toBe('online');
      expect(ps?.restarts).toBe(0);
      expect(isAlive(oldListener)).toBe(false);
    } finally {
      killQuietly(oldListener);
      killQuietly(Number(readFileSync(pidFile, 'utf8')));
    }
  });

  it('restart fails on a port held too long', async () => {
    sandbox = await Sandbox.create();
    const pidFile = join(sandbox.root, 'listener.pid');
    sandbox.writeEnvironment('test', {
      ps: {
        executable: LINGERING_LISTENER,
        args: `["--port", "${sandbox.ports.ps}", "--linger", "60", "--pid-file", "${pidFile}"]`,
        readiness: '{ protocol: tcp }',
        stopTimeout: '2',
      },
    });
    expect((await sandbox.run(['start'])).code).toBe(0);
    const listener = Number(readFileSync(pidFile, 'utf8'));

    try {
      const restart = await sandbox.run(['restart', 'ps']);
      const ps = (await jsonStatus(sandbox)).components.find((component) => component.id === 'ps');

      expect(restart.code).toBe(1);
      expect(restart.stderr).toContain(
        `ps: port ${sandbox.ports.ps} is still held by pid ${listener} (`,
      );
      expect(restart.stderr).toContain(`${LINGERING_LISTENER} --listener --port ${sandbox.ports.ps}`);
      expect(restart.stderr).toContain(
        '2.0 s (its stop timeout) after ps was stopped; ps was not started again, so that it does not crash-loop on a busy port',
      );
      expect(ps?.state).toBe('not started');
      expect(restart.stderr).toMatch(/^ps\s+Platform Server\s+stopped on its own \(pid \d+, exited with code 0 after [\d.]+ s\)$/m);
      // A new listener would have written its own pid.
      expect(Number(readFileSync(pidFile, 'utf8'))).toBe(listener);
      expect(isAlive(listener)).toBe(true);
    } finally {
      killQuietly(listener);
    }
  });
});
