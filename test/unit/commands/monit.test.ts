import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

import { monitInvocation } from '../../../src/commands/monit';
import type { Config } from '../../../src/config/types';

const PACKAGE_ROOT = resolve(__dirname, '..', '..', '..');

describe('monitInvocation', () => {
  const config = { supervisor: { home: '/var/lib/imageserving/pm2' } } as Config;

  it('runs the packaged pm2 monit with this Node.js', () => {
    const invocation = monitInvocation(config, {});

    expect(invocation.command).toBe(process.execPath);
    expect(invocation.args).toEqual([join(PACKAGE_ROOT, 'node_modules', 'pm2', 'bin', 'pm2'), 'monit']);
    expect(existsSync(invocation.args[0])).toBe(true);
  });

  it('sets PM2_HOME and keeps the terminal settings', () => {
    const invocation = monitInvocation(config, { TERM: 'xterm-256color', PM2_HOME: '/root/.pm2', LANG: 'C.UTF-8' });

    expect(invocation.env).toEqual({ TERM: 'xterm-256color', PM2_HOME: '/var/lib/imageserving/pm2', LANG: 'C.UTF-8' });
  });
});
