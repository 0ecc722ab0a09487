import { execFile } from 'node:child_process';
import { existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { parseTimestamp } from '../../src/logs/read';
import { CLI, PACKAGE_ROOT, Sandbox, sleep } from './harness';
import { spawnCli } from './spawn-cli';

const CHATTY = join(PACKAGE_ROOT, 'test', 'fixtures', 'chatty-server.js');
/** A log line as `logs` prints it: id, stream, then PM2's "YYYY-MM-DD HH:mm:ss.SSS Z: " timestamp. */
const LOG_LINE = /^(ps |is |svg) (out|err) \| \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3} [+-]\d{2}:\d{2}: /;

/** Waits until a condition holds, polling, or fails with a description of what was awaited. */
async function waitFor(description: string, condition: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${description}`);
    }
    await sleep(100);
  }
}

function chattyNumbers(text: string): number[] {
  return [...text.matchAll(/chatty line (\d+)/g)].map((match) => Number(match[1]));
}

function lineCount(file: string): number {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter((line) => line !== '').length : 0;
}

describe('logs on a real PM2 daemon', () => {
  let sandbox: Sandbox;
  let isOut: string;

  beforeAll(async () => {
    sandbox = await Sandbox.create();
    // The Image Server is replaced by a component that writes a line every 100 ms.
    sandbox.writeEnvironment('test', { is: { executable: CHATTY, args: '[]', port: undefined } });
    isOut = join(sandbox.home, 'logs', 'is-out.log');
    const started = await sandbox.run(['start']);
    expect(started.stderr).toContain('is running');
    await waitFor('20 lines in is-out.log', () => lineCount(isOut) >= 20);
  });

  afterAll(async () => {
    await sandbox.cleanup();
  });

  it('prints timestamped lines with component id', async () => {
    const result = await sandbox.run(['logs']);
    const lines = result.stdout.trimEnd().split('\n');

    expect(result.code).toBe(0);
    for (const line of lines) {
      expect(line).toMatch(LOG_LINE);
    }
    expect(lines.some((line) => line.startsWith('ps  out | ') && line.includes('listening on'))).toBe(true);
    expect(lines.some((line) => line.startsWith('is  out | ') && line.includes('chatty line'))).toBe(true);
    expect(lines.some((line) => line.startsWith('is  err | ') && line.includes('chatty warning'))).toBe(true);
  });

  it('merges lines in time order', async () => {
    const result = await sandbox.run(['logs']);
    const lines = result.stdout.trimEnd().split('\n');
    const times = lines.map((line) => parseTimestamp(line.slice(line.indexOf(' | ') + 3)));

    expect(lines.filter((_, index) => times[index] === undefined)).toEqual([]);
    expect(times).toEqual([...times].sort((left, right) => (left ?? 0) - (right ?? 0)));
  });

  it('logs is --lines 5 shows the newest five', async () => {
    const result = await sandbox.run(['logs', 'is', '--lines', '5']);
    const lines = result.stdout.trimEnd().split('\n');

    expect(result.code).toBe(0);
    expect(lines).toHaveLength(5);
    expect(lines.every((line) => line.startsWith('is  '))).toBe(true);
    const numbers = chattyNumbers(result.stdout);
    expect(Math.max(...numbers)).toBeGreaterThanOrEqual(lineCount(isOut) - 5);
  });

  it('rejects --lines 0 with exit 2', async () => {
    const result = await sandbox.run(['logs', '--lines', '0']);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain("argument '0' is invalid. Expected a whole number of at least 1");
  });

  it('--follow prints new lines until SIGINT', async () => {
    const follower = spawnCli(sandbox, ['logs', 'is', '--follow', '--lines', '1']);

    try {
      const first = Math.max(...chattyNumbers(await follower.waitForStdout((text) => chattyNumbers(text).length >= 1)));
      const output = await follower.waitForStdout((text) => chattyNumbers(text).some((number) => number >= first + 10));
      const numbers = chattyNumbers(output);

      // Every line from the tail on, each once and in order.
      expect(numbers).toEqual(numbers.map((_, index) => numbers[0] + index));
      expect(await follower.interrupt('SIGINT')).toBe(0);
      expect(follower.stderr()).toContain('stopped following the logs (SIGINT)');
    } finally {
      await follower.interrupt('SIGKILL');
    }
  });

  it('--reopen after a move writes a new file', async () => {
    const moved = `${isOut}.moved`;
    renameSync(isOut, moved);
    const movedSize = statSync(moved).size;

    const result = await sandbox.run(['logs', '--reopen']);

    expect(result.code).toBe(0);
    expect(result.stderr).toContain('the supervisor reopened the log files of every component');
    await waitFor('a new is-out.log with lines', () => lineCount(isOut) >= 3);
    const numbers = chattyNumbers(readFileSync(isOut, 'utf8'));
    expect(Math.min(...numbers)).toBeGreaterThan(Math.max(...chattyNumbers(readFileSync(moved, 'utf8'))) - 1);
    // The moved file stops growing once PM2 has reopened the path.
    const settled = statSync(moved).size;
    await sleep(500);
    expect(statSync(moved).size).toBe(settled);
    expect(settled).toBeGreaterThanOrEqual(movedSize);
  });

  it('--follow continues after a rotation', async () => {
    const follower = spawnCli(sandbox, ['logs', 'is', '--follow', '--lines', '1']);

    try {
      await follower.waitForStdout((text) => chattyNumbers(text).length >= 1);
      renameSync(isOut, `${isOut}.rotated`);
      expect((await sandbox.run(['logs', '--reopen'])).code).toBe(0);
      const rotatedLast = () => Math.max(...chattyNumbers(readFileSync(`${isOut}.rotated`, 'utf8')));
      await waitFor('lines in the new is-out.log', () => lineCount(isOut) >= 5);

      const output = await follower.waitForStdout((text) => chattyNumbers(text).some((number) => number > rotatedLast() + 3));
      const numbers = chattyNumbers(output);
      expect(numbers).toEqual(numbers.map((_, index) => numbers[0] + index));
    } finally {
      expect(await follower.interrupt('SIGINT')).toBe(0);
    }
  });

  it('logrotate example rotates and reopens', async () => {
    const stateFile = join(sandbox.root, 'logrotate.state');
    const configFile = join(sandbox.root, 'logrotate.conf');
    const command = `env IMAGESERVING_CONFIG_DIR=${sandbox.configDir} IMAGESERVING_ENV=test ${process.execPath} ${CLI}`;
    const example = readFileSync(join(PACKAGE_ROOT, 'deploy', 'logrotate', 'imageserving'), 'utf8');
    const config = example
      .replaceAll('/var/lib/imageserving/pm2', sandbox.home)
      .replaceAll('su imageserving imageserving', 'su root root')
      .replace('runuser -u imageserving -- /usr/local/bin/ImageServing --env production', `runuser -u root -- ${command}`);
    expect(config).not.toContain('imageserving/pm2');
    writeFileSync(configFile, config, { mode: 0o644 });
    const daemonLog = join(sandbox.home, 'pm2.log');
    const daemonLogSize = statSync(daemonLog).size;

    const result = await new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile('/usr/sbin/logrotate', ['-f', '-s', stateFile, configFile], (error, _stdout, stderr) => {
        resolve({ code: error === null ? 0 : Number(error.code), stderr });
      });
    });

    // logrotate passes on what the postrotate command writes to stderr.
    expect(result.stderr).not.toMatch(/error/i);
    expect(result.stderr).toContain('the supervisor reopened the log files of every component');
    expect(result.code).toBe(0);
    expect(chattyNumbers(readFileSync(`${isOut}.1`, 'utf8')).length).toBeGreaterThan(0);
    await waitFor('lines in the is-out.log created after rotation', () => lineCount(isOut) >= 3);
    // pm2.log is copied and truncated in place, so the daemon keeps its file.
    expect(existsSync(`${daemonLog}.1.gz`)).toBe(true);
    expect(statSync(daemonLog).size).toBeLessThan(daemonLogSize);
  });
});
