import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { runStartup, unitPath, type StartupOptions } from '../../../src/commands/startup';
import { CliError } from '../../../src/errors';
import { VALID_CONFIG_YAML } from '../fixtures/valid-config';

let folder: string;
let home: string;
let stderr: string;

beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), 'imageserving-startup-'));
  home = join(folder, 'pm2');
  mkdirSync(home);
  writeFileSync(join(folder, 'production.yaml'), VALID_CONFIG_YAML.replace('/tmp/imageserving-test/pm2', home));
  stderr = '';
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
});

afterEach(() => {
  vi.restoreAllMocks();
  rmSync(folder, { recursive: true, force: true });
});

function startup(options: Omit<StartupOptions, 'configDir' | 'env'>): Promise<number> {
  return runStartup({ configDir: folder, env: 'production', ...options });
}

/** Runs startup and returns the CliError it throws. */
async function startupError(options: Omit<StartupOptions, 'configDir' | 'env'>): Promise<CliError> {
  try {
    await startup(options);
  } catch (error) {
    if (error instanceof CliError) {
      return error;
    }
    throw error;
  }
  throw new Error('startup succeeded, expected a CliError');
}

describe('unitPath', () => {
  it("drops npm's and npx's entries", () => {
    const path = [
      '/root/.npm/_npx/2778af9cee32ff87/node_modules/.bin',
      '/srv/app/node_modules/.bin',
      '/srv/node_modules/.bin',
      '/usr/lib/node_modules/npm/node_modules/@npmcli/run-script/lib/node-gyp-bin',
      '/opt/java/bin',
      '/usr/local/bin',
      '/usr/bin',
    ].join(':');

    expect(unitPath(path)).toBe('/opt/java/bin:/usr/local/bin:/usr/bin');
  });

  it('falls back when nothing is left', () => {
    expect(unitPath('/srv/app/node_modules/.bin')).toBe('/usr/local/bin:/usr/bin:/bin');
    expect(unitPath(undefined)).toBe('/usr/local/bin:/usr/bin:/bin');
  });
});

describe('runStartup', () => {
  it('rejects an unknown --user', async () => {
    const error = await startupError({ user: 'imageserving-no-such-account' });

    expect(error.exitCode).toBe(2);
    expect(error.message).toBe(
      'account "imageserving-no-such-account" given with --user not found (expected an account listed by /etc/passwd or getent passwd); ' +
        'create it, for example with "useradd --system imageserving-no-such-account", or pass the account that owns the supervisor home',
    );
  });

  it.skipIf(userInfo().username === 'nobody')('warns when --user does not own the home', async () => {
    const owner = userInfo();

    expect(await startup({ user: 'nobody' })).toBe(0);
    expect(stderr).toContain(
      `warning: the supervisor home ${home} belongs to ${owner.username} (uid ${owner.uid}), not to nobody, so the unit would fail to start; ` +
        `hand it over with "chown -R nobody ${home}", or pass --user ${owner.username}\n`,
    );
  });

  it('no owner warning for the owner', async () => {
    expect(await startup({ user: userInfo().username })).toBe(0);
    expect(stderr).not.toContain('so the unit would fail to start');
  });

  it('--write into a missing folder', async () => {
    const target = join(folder, 'unit', 'imageserving.service');

    const error = await startupError({ write: target });

    expect(error.exitCode).toBe(1);
    expect(error.message).toBe(
      `could not write the unit to ${target}: the folder ${join(folder, 'unit')} does not exist; ` +
        'create it first, or choose a path in an existing folder',
    );
  });

  it('--write over an existing file', async () => {
    const target = join(folder, 'imageserving.service');
    writeFileSync(target, 'old unit\n');

    expect(await startup({ write: target })).toBe(0);
    expect(readFileSync(target, 'utf8')).toContain('ExecStart=');
    expect(stderr).toContain(`replaced existing ${target}\n`);
  });

  it('--write of a new file says no replaced', async () => {
    const target = join(folder, 'imageserving.service');

    expect(await startup({ write: target })).toBe(0);
    expect(stderr).not.toContain('replaced existing');
    expect(stderr).toContain(`wrote ${target}; activate it with: systemctl daemon-reload && systemctl enable --now imageserving.service\n`);
  });

  it('--write without .service suffix', async () => {
    const target = join(folder, 'existing.conf');

    const error = await startupError({ write: target });

    expect(error.exitCode).toBe(2);
    expect(error.message).toBe(
      `invalid --write path "${target}" (expected a file name ending in .service, such as /etc/systemd/system/imageserving.service); ` +
        'systemd loads a service unit only from a file named NAME.service',
    );
    expect(existsSync(target)).toBe(false);
  });
});
