import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { describeEnding, logSize, readStopOutcome } from '../../../src/supervisor/stop-outcome';

let root: string;
let log: string;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'stop-outcome-'));
  log = join(root, 'pm2.log');
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

/** Lines as the PM2 7.0.4 daemon writes them to pm2.log. */
const EARLIER = '2026-12-04T10:00:00: PM2 log: App [ps:0] exited with code [1] via signal [SIGINT]\n';
const GRACEFUL = '2026-12-04T10:05:00: PM2 log: App [ps:0] exited with code [143] via signal [SIGINT]\n';
const FORCED =
  '2026-12-04T10:05:00: PM2 log: Process with pid 4310 still alive after 60000ms, sending SIGKILL to 1 remaining pids...\n' +
  '2026-12-04T10:05:00: PM2 log: App [ps:0] exited with code [null] via signal [SIGKILL]\n';

describe('readStopOutcome', () => {
  it('reads a graceful exit code', () => {
    writeFileSync(log, EARLIER);
    const offset = logSize(log);
    writeFileSync(log, EARLIER + GRACEFUL);

    expect(readStopOutcome(log, offset, { name: 'ps', pmId: 0, pid: 4310 })).toEqual({ forced: false, exitCode: 143 });
  });

  it('reads a forced kill', () => {
    writeFileSync(log, FORCED);

    expect(readStopOutcome(log, 0, { name: 'ps', pmId: 0, pid: 4310 })).toEqual({ forced: true, signal: 'SIGKILL' });
  });

  it('reads a signal logged with code 0', () => {
    writeFileSync(log, '2026-12-04T10:05:00: PM2 log: App [ps:0] exited with code [0] via signal [SIGTERM]\n');

    expect(readStopOutcome(log, 0, { name: 'ps', pmId: 0, pid: 4310 })).toEqual({ forced: false, signal: 'SIGTERM' });
  });

  it('ignores lines before the offset', () => {
    writeFileSync(log, EARLIER);

    expect(readStopOutcome(log, logSize(log), { name: 'ps', pmId: 0, pid: 4310 })).toEqual({ forced: false });
  });

  it('ignores other apps', () => {
    writeFileSync(log, GRACEFUL.replace('[ps:0]', '[svg:2]'));

    expect(readStopOutcome(log, 0, { name: 'ps', pmId: 0, pid: 4310 })).toEqual({ forced: false });
  });

  it('unreadable log gives undefined', () => {
    expect(readStopOutcome(join(root, 'missing.log'), 0, { name: 'ps', pmId: 0, pid: 1 })).toBeUndefined();
  });
});

describe('describeEnding', () => {
  it.each([
    [{ forced: false, exitCode: 0 }, 'exited with code 0'],
    [{ forced: false, exitCode: 1 }, 'exited with code 1'],
    [{ forced: false, exitCode: 143 }, 'exited with code 143 (128 + SIGTERM)'],
    [{ forced: false, signal: 'SIGTERM' }, 'ended by SIGTERM'],
    [{ forced: false }, undefined],
  ])('%o reads %s', (outcome, text) => {
    expect(describeEnding(outcome)).toBe(text);
  });
});
