import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { CliError } from '../../../src/errors';
import { acquireLock, isHolderAlive, lockFile, processStartTime, readHolder } from '../../../src/supervisor/lock';

let home: string;

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'imageserving-lock-'));
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
});

afterEach(() => {
  vi.restoreAllMocks();
  rmSync(home, { recursive: true, force: true });
});

function stderrText(): string {
  return vi
    .mocked(process.stderr.write)
    .mock.calls.map((call) => String(call[0]))
    .join('');
}

/** Returns the error a promise rejects with. */
async function rejection(promise: Promise<unknown>): Promise<CliError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof CliError) {
      return error;
    }
    throw error;
  }
  throw new Error('expected the promise to reject with a CliError');
}

describe('acquireLock', () => {
  it('writes and removes the lock file', async () => {
    const lock = await acquireLock(home, 'ImageServing start', { timeoutSeconds: 1 });
    const holder = readHolder(home);

    lock.release();

    expect(holder).toMatchObject({ pid: process.pid, command: 'ImageServing start', startTime: processStartTime(process.pid) });
    expect(existsSync(lockFile(home))).toBe(false);
    expect(existsSync(`${lockFile(home)}.${process.pid}`)).toBe(false);
  });

  it('second holder times out', async () => {
    const first = await acquireLock(home, 'ImageServing stop', { timeoutSeconds: 1 });

    const error = await rejection(acquireLock(home, 'ImageServing start', { timeoutSeconds: 0.3, pollMs: 50 }));
    first.release();

    expect(error.exitCode).toBe(1);
    expect(error.message).toContain(`gave up after waiting 0.3 s for the lock in ${home}, held by pid ${process.pid} (ImageServing stop)`);
    expect(stderrText()).toContain(`waiting for the lock in ${home}, held by pid ${process.pid} (ImageServing stop), which took it at`);
  });

  it('second holder gets it after release', async () => {
    const first = await acquireLock(home, 'ImageServing stop', { timeoutSeconds: 1 });
    setTimeout(() => first.release(), 200);

    const second = await acquireLock(home, 'ImageServing start', { timeoutSeconds: 5, pollMs: 50 });

    expect(readHolder(home)?.command).toBe('ImageServing start');
    second.release();
  });

  it('reused pid is a dead holder', async () => {
    writeFileSync(lockFile(home), JSON.stringify({ pid: process.pid, startTime: '1', command: 'ImageServing restart', since: 5 }));

    const lock = await acquireLock(home, 'ImageServing start', { timeoutSeconds: 1 });

    expect(stderrText()).toContain(`took over the lock in ${home} from pid ${process.pid} (ImageServing restart), which is no longer running`);
    expect(readHolder(home)?.command).toBe('ImageServing start');
    lock.release();
  });

  it('release keeps a lock taken over', async () => {
    const lock = await acquireLock(home, 'ImageServing start', { timeoutSeconds: 1 });
    writeFileSync(lockFile(home), JSON.stringify({ pid: 1, startTime: null, command: 'ImageServing stop', since: 7 }));

    lock.release();

    expect(JSON.parse(readFileSync(lockFile(home), 'utf8'))).toMatchObject({ pid: 1, since: 7 });
  });

  it('foreign lock file is an error', async () => {
    writeFileSync(lockFile(home), 'locked by hand\n');

    const error = await rejection(acquireLock(home, 'ImageServing start', { timeoutSeconds: 1 }));

    expect(error.message).toBe(
      `${lockFile(home)} is not a lock that ImageServing wrote (got "locked by hand\\n"); remove it if no start, stop or restart is running`,
    );
  });
});

describe('isHolderAlive', () => {
  it('live process with its start time', () => {
    expect(isHolderAlive({ pid: process.pid, startTime: processStartTime(process.pid), command: '', since: 0 })).toBe(true);
  });

  it('start time that differs', () => {
    expect(isHolderAlive({ pid: process.pid, startTime: '1', command: '', since: 0 })).toBe(false);
  });
});
