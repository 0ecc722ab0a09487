import { chownSync, existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';

import { jsonStatus, requirePid, Sandbox } from './harness';

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
});
