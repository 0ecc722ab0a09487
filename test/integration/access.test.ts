import { chmodSync, chownSync, cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

import { CLI, jsonStatus, PACKAGE_ROOT, requirePid, runProgram, Sandbox, type RunResult } from './harness';

/** Runs the built CLI against a sandbox as the account nobody, which owns nothing there. */
function runAsNobody(sandbox: Sandbox, args: string[], extra: NodeJS.ProcessEnv = {}): Promise<RunResult> {
  return runProgram('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', process.execPath, CLI, ...args], {
    env: sandbox.environment(extra),
    cwd: PACKAGE_ROOT,
    timeoutMs: 60_000,
  });
}

/** A stack trace line such as "    at openSync (node:fs:573:18)". */
const STACK_LINE = /^\s+at /m;

const SECRET = 's3cr3t-7f3a91';

describe('access and secrets', () => {
  let sandbox: Sandbox | undefined;

  afterEach(async () => {
    await sandbox?.cleanup();
    sandbox = undefined;
  });

  it('env values stay out of CLI output', async () => {
    sandbox = await Sandbox.create();
    sandbox.writeEnvironment('test', { is: { env: `{ DB_PASSWORD: "${SECRET}" }` } });

    const results = [
      await sandbox.run(['start']),
      await sandbox.run(['status']),
      await sandbox.run(['status', '--json']),
      await sandbox.run(['restart', 'is']),
      await sandbox.run(['stop']),
    ];
    sandbox.writeEnvironment('test', { is: { env: '{ DB_PASSWORD: 918273645 }' } });
    const invalid = await sandbox.run(['start']);

    expect(results.map((result) => result.code)).toEqual([0, 0, 0, 0, 0]);
    for (const result of results) {
      expect(result.stdout + result.stderr).not.toContain(SECRET);
    }
    expect(invalid.code).toBe(6);
    expect(invalid.stderr).toContain('components.is.env.DB_PASSWORD: wrong type (got a number, expected a string');
    expect(invalid.stderr).not.toContain('918273645');
  });

  it('broken config touches nothing', async () => {
    sandbox = await Sandbox.create();
    sandbox.writeEnvironment('test', { is: { restart: '{ autorestart: yes }' } });

    const results = [await sandbox.run(['start']), await sandbox.run(['restart']), await sandbox.run(['stop'])];

    for (const result of results) {
      expect(result.code).toBe(6);
      expect(result.stderr).toMatch(/test\.yaml:\d+:\d+ components\.is\.restart\.autorestart: wrong type \(got string "yes", expected true or false\)/);
    }
    expect(existsSync(sandbox.home)).toBe(false);
    expect(sandbox.processes()).toEqual([]);
  });

  // Handing the folder to another account takes root.
  it.skipIf(process.getuid?.() !== 0)('running supervisor of another account', async () => {
    sandbox = await Sandbox.create();
    expect((await sandbox.run(['start'])).code).toBe(0);
    const daemon = requirePid((await jsonStatus(sandbox)).supervisor.pid);

    chownSync(sandbox.home, 65534, 65534);
    try {
      const status = await sandbox.run(['status']);
      const stop = await sandbox.run(['stop']);
      const json = await sandbox.run(['status', '--json']);

      expect(status.code).toBe(4);
      expect(status.stderr).toMatch(
        new RegExp(`the supervisor home ${sandbox.home} belongs to \\S+ \\(uid 65534\\), not to this account \\(uid 0\\), ` +
          `and its supervisor runs as PM2 daemon pid ${daemon}; run the command as that account, for example: sudo -u \\S+ ImageServing`),
      );
      expect(stop.code).toBe(1);
      expect(stop.stderr).toContain(`its supervisor runs as PM2 daemon pid ${daemon}`);
      expect(json.code).toBe(4);
      expect((JSON.parse(json.stdout) as { error: string }).error).toContain('belongs to');
    } finally {
      chownSync(sandbox.home, 0, 0);
    }
    expect((await jsonStatus(sandbox)).components.map((component) => component.state)).toEqual(['online', 'online', 'online']);
  });

  // Switching to another account takes root.
  it.skipIf(process.getuid?.() !== 0)('another account gets one-line errors', async () => {
    sandbox = await Sandbox.create();
    // nobody may read the configuration and enter the sandbox, but not write to it.
    chmodSync(sandbox.root, 0o755);
    const advice = (folder: string, invocation: string): string =>
      `${folder} belongs to root (uid 0); run the command as the account that owns the installation, for example: sudo -u root ${invocation} ...`;
    const invocation = `ImageServing --env test --config-dir ${sandbox.configDir}`;

    const startAsNobody = await runAsNobody(sandbox, ['start']);

    expect(startAsNobody.code).toBe(1);
    expect(startAsNobody.stderr).toBe(
      `error: cannot create the folder ${sandbox.home}: permission denied (EACCES); ${advice(sandbox.root, 'ImageServing')}\n`,
    );
    expect(existsSync(sandbox.home)).toBe(false);

    expect((await sandbox.run(['start'])).code).toBe(0);
    const daemon = requirePid((await jsonStatus(sandbox)).supervisor.pid);
    const logs = await runAsNobody(sandbox, ['logs']);
    const status = await runAsNobody(sandbox, ['status']);

    expect(logs.code).toBe(1);
    expect(logs.stderr).toBe(
      `error: cannot open ${join(sandbox.home, 'logs', 'ps-out.log')}: permission denied (EACCES); ${advice(sandbox.home, invocation)}\n`,
    );
    expect(status.code).toBe(4);
    expect(status.stderr).toContain(`and its supervisor runs as PM2 daemon pid ${daemon}; run the command as that account`);

    // With the sandbox closed to nobody, the configuration must come from a folder it can read.
    const readableConfig = mkdtempSync(join(tmpdir(), 'ims-config-'));
    try {
      cpSync(sandbox.configDir, readableConfig, { recursive: true });
      chmodSync(readableConfig, 0o755);
      chmodSync(sandbox.root, 0o700);
      const hidden = await runAsNobody(sandbox, ['status'], { IMAGESERVING_CONFIG_DIR: readableConfig });

      expect(hidden.code).toBe(4);
      expect(hidden.stderr).toBe(
        `error: permission denied on the supervisor home ${sandbox.home} (EACCES), and its supervisor runs as PM2 daemon pid ${daemon}; ` +
          `${advice(sandbox.root, 'ImageServing')}\n`,
      );
      for (const result of [startAsNobody, logs, status, hidden]) {
        expect(result.stderr).not.toMatch(STACK_LINE);
      }
    } finally {
      rmSync(readableConfig, { recursive: true, force: true });
    }
    expect((await jsonStatus(sandbox)).components.map((component) => component.state)).toEqual(['online', 'online', 'online']);
  });
});
