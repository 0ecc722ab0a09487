import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

import { isAlive, jsonStatus, PACKAGE_ROOT, requirePid, Sandbox, sleep, type JsonStatus } from './harness';

const CRASH_AFTER_DELAY = join(PACKAGE_ROOT, 'test', 'fixtures', 'crash-after-delay.js');

type ComponentRow = JsonStatus['components'][number];

function rowOf(status: JsonStatus, id: string): ComponentRow {
  const row = status.components.find((component) => component.id === id);
  if (row === undefined) {
    throw new Error(`status has no row for ${id}`);
  }
  return row;
}

/** Polls status --json until a row matches, failing after timeoutMs. */
async function waitForRow(sandbox: Sandbox, id: string, matches: (row: ComponentRow) => boolean, timeoutMs: number): Promise<ComponentRow> {
  const deadline = Date.now() + timeoutMs;
  let row = rowOf(await jsonStatus(sandbox), id);

  while (!matches(row)) {
    if (Date.now() > deadline) {
      throw new Error(`${id} did not reach the expected state within ${timeoutMs} ms; last row: ${JSON.stringify(row)}`);
    }
    await sleep(250);
    row = rowOf(await jsonStatus(sandbox), id);
  }
  return row;
}

/** Reads the fixture's "started at" and "exiting at" timestamps from the component's stdout log. */
function fixtureTimes(sandbox: Sandbox, id: string): { starts: number[]; exits: number[] } {
  const log = readFileSync(join(sandbox.home, 'logs', `${id}-out.log`), 'utf8');
  const times = (word: string): number[] => {
    const matches = log.matchAll(new RegExp(`fixture: ${word} at (\\d+)`, 'g'));
    return [...matches].map((match) => Number(match[1]));
  };

  return { starts: times('started'), exits: times('exiting') };
}

describe('crashes and crash loops', () => {
  let sandbox: Sandbox | undefined;

  afterEach(async () => {
    await sandbox?.cleanup();
    sandbox = undefined;
  });

  it('killed component is restarted', async () => {
    sandbox = await Sandbox.create();
    sandbox.writeEnvironment('test', { is: { restart: '{ minUptime: 1, backoff: 0.5 }' } });
    expect((await sandbox.run(['start'])).code).toBe(0);
    const before = rowOf(await jsonStatus(sandbox), 'is');
    await sleep(1500);

    process.kill(requirePid(before.pid), 'SIGKILL');
    const killedAt = Date.now();
    const after = await waitForRow(sandbox, 'is', (row) => row.state === 'online' && row.pid !== null && row.pid !== before.pid, 15_000);
    const text = await sandbox.run(['status', 'is']);

    expect(isAlive(requirePid(after.pid))).toBe(true);
    expect(after.restarts).toBe(1);
    expect(after.uptimeSeconds).toBeLessThan((Date.now() - killedAt) / 1000);
    expect(after.lastExit).toEqual({ code: null, signal: 'SIGKILL' });
    expect(after.crashLoop).toBeNull();
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(new RegExp(`^is\\s+Image Server\\s+online\\s+ok\\s+${after.pid}\\s+\\d+s\\s+[\\d.]+ MiB\\s+1$`, 'm'));
    expect(text.stdout).not.toContain('crash loop');
  });

  it('crash loop backs off, then stays errored', async () => {
    sandbox = await Sandbox.create();
    // Each run lasts 2.5 s, under minUptime 4 s. PM2 7.0.4 alone would count quick exits only within
    // 4 s x 3 of the app's creation, which the backoff delays outlast, and restart it forever.
    sandbox.writeEnvironment('test', {
      is: { executable: CRASH_AFTER_DELAY, port: undefined, args: '["--after", "2.5", "--code", "3"]', restart: '{ maxRestarts: 3, minUptime: 4, backoff: 1 }' },
    });
    expect((await sandbox.run(['start'])).code).toBe(0);

    const looping = await waitForRow(sandbox, 'is', (row) => row.crashLoop !== null && !row.crashLoop.gaveUp, 15_000);
    const loopingText = await sandbox.run(['status', 'is']);
    const errored = await waitForRow(sandbox, 'is', (row) => row.state === 'errored', 40_000);
    const text = await sandbox.run(['status']);
    await sleep(3000);
    const later = rowOf(await jsonStatus(sandbox), 'is');
    const { starts, exits } = fixtureTimes(sandbox, 'is');

    expect(looping.lastExit).toEqual({ code: 3, signal: null });
    expect(loopingText.stdout).toMatch(/^is: crash loop: (no restart yet|[123] restarts?), last exit code 3; (next restart in [\d.]+ s|restarting)$/m);
    expect(errored.crashLoop).toEqual({ restarts: 3, gaveUp: true, restartInSeconds: null });
    expect(errored.lastExit).toEqual({ code: 3, signal: null });
    expect(errored.restarts).toBe(3);
    expect(errored.pid).toBeNull();
    expect(text.code).toBe(3);
    expect(text.stdout).toContain('is: crash loop: 3 restarts, last exit code 3; the supervisor gave up and left it errored');
    expect(later.state).toBe('errored');
    expect(later.restarts).toBe(3);
    expect(starts).toHaveLength(4);
    expect(exits).toHaveLength(4);
    // Exponential backoff: 1 s, then 1.5 times the previous delay.
    const delays = [1, 2, 3].map((index) => starts[index] - exits[index - 1]);
    expect(delays[0]).toBeGreaterThanOrEqual(950);
    expect(delays[1]).toBeGreaterThanOrEqual(1450);
    expect(delays[2]).toBeGreaterThanOrEqual(2200);
  });

  it('tight loop stops after exactly maxRestarts', async () => {
    sandbox = await Sandbox.create();
    sandbox.writeEnvironment('test', {
      is: { executable: CRASH_AFTER_DELAY, port: undefined, args: '["--after", "1.5"]', restart: '{ maxRestarts: 2, minUptime: 3, backoff: 0 }' },
    });
    expect((await sandbox.run(['start'])).code).toBe(0);

    const errored = await waitForRow(sandbox, 'is', (row) => row.state === 'errored', 20_000);

    // PM2 7.0.4 on its own gives up after max_restarts - 1 restarts.
    expect(errored.restarts).toBe(2);
    expect(errored.crashLoop).toEqual({ restarts: 2, gaveUp: true, restartInSeconds: null });
    expect(fixtureTimes(sandbox, 'is').starts).toHaveLength(3);
  });

  it('signal kills show in the crash loop', async () => {
    sandbox = await Sandbox.create();
    sandbox.writeEnvironment('test', {
      is: { executable: CRASH_AFTER_DELAY, port: undefined, args: '["--after", "1.5", "--signal", "SIGKILL"]', restart: '{ maxRestarts: 1, minUptime: 3, backoff: 0.2 }' },
    });
    expect((await sandbox.run(['start'])).code).toBe(0);

    const errored = await waitForRow(sandbox, 'is', (row) => row.state === 'errored', 20_000);
    const text = await sandbox.run(['status', 'is']);

    expect(errored.lastExit).toEqual({ code: null, signal: 'SIGKILL' });
    expect(text.stdout).toContain('is: crash loop: 1 restart, last killed by SIGKILL; the supervisor gave up and left it errored');
  });

  it('stop during a backoff wait', async () => {
    sandbox = await Sandbox.create();
    sandbox.writeEnvironment('test', {
      is: { executable: CRASH_AFTER_DELAY, port: undefined, args: '["--after", "1.5"]', restart: '{ maxRestarts: 5, minUptime: 3, backoff: 4 }' },
    });
    expect((await sandbox.run(['start'])).code).toBe(0);
    const waiting = await waitForRow(sandbox, 'is', (row) => row.state === 'waiting restart', 10_000);

    const stop = await sandbox.run(['stop']);
    await sleep(4500);

    expect(waiting.pid).toBeNull();
    expect(waiting.crashLoop?.restartInSeconds).toBeGreaterThan(0);
    expect(stop.code).toBe(0);
    expect(stop.stderr).toMatch(/^is\s+Image Server\s+removed \(was waiting restart, no process\)$/m);
    expect(sandbox.processes()).toEqual([]);
    expect(fixtureTimes(sandbox, 'is').starts).toHaveLength(1);
  });

  it('start warns about a daemon PM2 spawned', async () => {
    sandbox = await Sandbox.create();
    expect((await sandbox.runPm2(['start', join(PACKAGE_ROOT, 'dist', 'ecosystem.config.js')])).code).toBe(0);

    const start = await sandbox.run(['start']);

    expect(start.code).toBe(0);
    expect(start.stderr).toContain("the running supervisor was not spawned by ImageServing, so PM2's own restart limits apply");
    expect((await sandbox.runPm2(['kill'])).code).toBe(0);
  });
});
