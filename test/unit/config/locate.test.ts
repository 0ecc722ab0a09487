import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { invocationOf, locateConfig } from '../../../src/config/locate';

const PACKAGED = join(resolve(__dirname, '..', '..', '..'), 'config');

// A temporary folder takes the place of /etc/imageserving, so no test reads or writes the real /etc.
let root: string;
let systemDir: string;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'imageserving-locate-'));
  systemDir = join(root, 'etc-imageserving');
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('locateConfig with a system folder', () => {
  it('system folder wins over package', () => {
    mkdirSync(systemDir);

    const location = locateConfig({}, {}, systemDir);

    expect(location.configDir).toBe(systemDir);
    expect(location.configDirSource).toBe('system');
  });

  it('missing system folder gives package', () => {
    const location = locateConfig({}, {}, systemDir);

    expect(location.configDir).toBe(PACKAGED);
    expect(location.configDirSource).toBe('package');
  });

  it('system path that is a file is skipped', () => {
    writeFileSync(systemDir, 'not a folder');

    expect(locateConfig({}, {}, systemDir).configDirSource).toBe('package');
  });

  it('variable wins over system folder', () => {
    mkdirSync(systemDir);

    const location = locateConfig({}, { IMAGESERVING_CONFIG_DIR: '/srv/imageserving' }, systemDir);

    expect(location.configDir).toBe('/srv/imageserving');
    expect(location.configDirSource).toBe('variable');
  });

  it('option wins over variable and system', () => {
    mkdirSync(systemDir);

    const location = locateConfig({ configDir: '/opt/conf' }, { IMAGESERVING_CONFIG_DIR: '/srv/imageserving' }, systemDir);

    expect(location.configDir).toBe('/opt/conf');
    expect(location.configDirSource).toBe('option');
  });

  it('empty variable falls through to system', () => {
    mkdirSync(systemDir);

    expect(locateConfig({}, { IMAGESERVING_CONFIG_DIR: '' }, systemDir).configDirSource).toBe('system');
  });
});

describe('invocationOf', () => {
  it('leaves out folders the defaults find', () => {
    expect(invocationOf({ environment: 'production', configDir: '/etc/imageserving', configDirSource: 'system' })).toBe(
      'ImageServing --env production',
    );
    expect(invocationOf({ environment: 'development', configDir: PACKAGED, configDirSource: 'package' })).toBe('ImageServing');
  });

  it('names a chosen folder', () => {
    expect(invocationOf({ environment: 'development', configDir: '/srv/conf', configDirSource: 'variable' })).toBe(
      'ImageServing --config-dir /srv/conf',
    );
    expect(invocationOf({ environment: 'test', configDir: '/srv/my conf', configDirSource: 'option' })).toBe(
      "ImageServing --env test --config-dir '/srv/my conf'",
    );
  });
});
