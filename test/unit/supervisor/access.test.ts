import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { Config } from '../../../src/config/types';
import { CliError } from '../../../src/errors';
import { checkSudoHome, type Caller } from '../../../src/supervisor/access';

let root: string;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'imageserving-access-'));
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

function configWithHome(home: string): Config {
  return {
    environment: 'development',
    configDir: '/opt/imageserving/config',
    files: [],
    invocation: 'ImageServing',
    supervisor: { home, namespace: 'imageserving', stopSignal: 'SIGTERM', callTimeout: 10, lockTimeout: 300 },
    components: [],
  };
}

/** Builds a root caller that sudo started for an account whose home is under the test folder. That account is this test's own uid. */
function sudoCaller(): Caller {
  return {
    uid: 0,
    home: join(root, 'root'),
    sudoAccount: { name: 'ops', uid: process.getuid?.() ?? 0, home: join(root, 'ops') },
  };
}

function errorOf(run: () => void): CliError | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof CliError) {
      return error;
    }
    throw error;
  }
  return undefined;
}

describe('checkSudoHome', () => {
  it('names the installation of the sudo account', () => {
    mkdirSync(join(root, 'ops', '.imageserving', 'pm2'), { recursive: true });
    writeFileSync(join(root, 'ops', '.imageserving', 'pm2', 'pm2.pid'), String(process.pid));
    const config = configWithHome(join(root, 'root', '.imageserving', 'pm2'));

    const error = errorOf(() => checkSudoHome(config, sudoCaller()));

    expect(error?.exitCode).toBe(1);
    expect(error?.message).toBe(
      `sudo runs this command with ~ = ${root}/root, so the supervisor home would be ${root}/root/.imageserving/pm2; ` +
        `ops (uid ${process.getuid?.()}) has this installation's supervisor home at ${root}/ops/.imageserving/pm2, ` +
        `and its supervisor runs as PM2 daemon pid ${process.pid}. ` +
        'Run the command as ops, without sudo or with: sudo -u ops ImageServing ...',
    );
  });

  it('passes when the account has no such home', () => {
    const config = configWithHome(join(root, 'root', '.imageserving', 'pm2'));

    expect(errorOf(() => checkSudoHome(config, sudoCaller()))).toBeUndefined();
  });

  it('passes for a home outside root home', () => {
    mkdirSync(join(root, 'ops', 'var', 'pm2'), { recursive: true });
    const config = configWithHome(join(root, 'var', 'pm2'));

    expect(errorOf(() => checkSudoHome(config, sudoCaller()))).toBeUndefined();
  });

  it('passes without sudo', () => {
    mkdirSync(join(root, 'ops', '.imageserving', 'pm2'), { recursive: true });
    const config = configWithHome(join(root, 'root', '.imageserving', 'pm2'));

    expect(errorOf(() => checkSudoHome(config, { uid: 0, home: join(root, 'root') }))).toBeUndefined();
  });
});
