import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { loadConfig } from '../../../src/config/load';
import type { Config } from '../../../src/config/types';
import { renderSystemdUnit, startTimeoutSeconds, stopTimeoutSeconds, type UnitSettings } from '../../../src/startup/systemd-unit';
import { VALID_CONFIG_YAML } from '../fixtures/valid-config';

let folder: string;

beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), 'imageserving-unit-'));
});

afterEach(() => {
  rmSync(folder, { recursive: true, force: true });
});

/** Loads the minimal config with extra lines for ps (priority 2) and is (priority 1). */
function config(psLines: string[] = [], isLines: string[] = []): Config {
  const yaml = VALID_CONFIG_YAML.replace('    port: 8080\n', `    port: 8080\n${psLines.map((line) => `    ${line}\n`).join('')}`).replace(
    '    port: 27345\n',
    `    port: 27345\n${isLines.map((line) => `    ${line}\n`).join('')}`,
  );
  writeFileSync(join(folder, 'production.yaml'), yaml);
  return loadConfig({ configDir: folder, environment: 'production' });
}

const SETTINGS: UnitSettings = {
  user: 'imageserving',
  node: '/usr/bin/node',
  cli: '/usr/local/lib/node_modules/imageserving/dist/bundle/cli.js',
  environment: 'production',
  path: '/usr/local/bin:/usr/bin:/bin',
};

/** Parses a unit file into section -> key -> values, the way systemd reads it (comments and blanks skipped). */
function parseUnit(text: string): Map<string, Map<string, string[]>> {
  const sections = new Map<string, Map<string, string[]>>();
  let current: Map<string, string[]> | undefined;

  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) {
      continue;
    }
    const header = /^\[(\w+)\]$/.exec(line);
    if (header !== null) {
      current = new Map();
      sections.set(header[1], current);
      continue;
    }
    const separator = line.indexOf('=');
    if (current === undefined || separator < 1) {
      throw new Error(`not a unit file line: ${line}`);
    }
    const key = line.slice(0, separator);
    current.set(key, [...(current.get(key) ?? []), line.slice(separator + 1)]);
  }

  return sections;
}

describe('renderSystemdUnit', () => {
  it('runs start and stop as the account', () => {
    const service = parseUnit(renderSystemdUnit(config(), SETTINGS)).get('Service');

    expect(service?.get('Type')).toEqual(['oneshot']);
    expect(service?.get('RemainAfterExit')).toEqual(['yes']);
    expect(service?.get('User')).toEqual(['imageserving']);
    expect(service?.get('ExecStart')).toEqual(['/usr/bin/node /usr/local/lib/node_modules/imageserving/dist/bundle/cli.js start']);
    expect(service?.get('ExecStop')).toEqual(['/usr/bin/node /usr/local/lib/node_modules/imageserving/dist/bundle/cli.js stop']);
    expect(service?.get('Environment')).toEqual(['IMAGESERVING_ENV=production', 'PATH=/usr/local/bin:/usr/bin:/bin']);
  });

  it('names the config folder when chosen', () => {
    const service = parseUnit(renderSystemdUnit(config(), { ...SETTINGS, configDir: '/srv/imageserving/config' })).get('Service');

    expect(service?.get('Environment')).toEqual([
      'IMAGESERVING_ENV=production',
      'IMAGESERVING_CONFIG_DIR=/srv/imageserving/config',
      'PATH=/usr/local/bin:/usr/bin:/bin',
    ]);
  });

  it('has unit and install sections', () => {
    const unit = parseUnit(renderSystemdUnit(config(), SETTINGS));

    expect(unit.get('Unit')?.get('After')).toEqual(['network-online.target']);
    expect(unit.get('Unit')?.get('Wants')).toEqual(['network-online.target']);
    expect(unit.get('Install')?.get('WantedBy')).toEqual(['multi-user.target']);
  });

  it('escapes specifiers, variables and spaces', () => {
    const settings = { ...SETTINGS, cli: '/opt/image serving/100%/$HOME/cli.js', path: '/opt/my bin:/usr/bin', configDir: '/etc/is%d' };
    const service = parseUnit(renderSystemdUnit(config(), settings)).get('Service');

    expect(service?.get('ExecStart')).toEqual(['/usr/bin/node "/opt/image serving/100%%/$$HOME/cli.js" start']);
    expect(service?.get('Environment')).toEqual([
      'IMAGESERVING_ENV=production',
      'IMAGESERVING_CONFIG_DIR=/etc/is%%d',
      '"PATH=/opt/my bin:/usr/bin"',
    ]);
  });

  it('stop timeout covers the stop timeouts', () => {
    // Priority 2 (ps): 2 x 120 + 2 x 10 + 3; priority 1 (is 30, svg 60): 2 x 60 + 2 x 10 + 3; daemon 10; margin 30.
    const withTimeouts = config(['stopTimeout: 120'], ['stopTimeout: 30']);

    expect(stopTimeoutSeconds(withTimeouts)).toBe(263 + 143 + 10 + 30);
    expect(parseUnit(renderSystemdUnit(withTimeouts, SETTINGS)).get('Service')?.get('TimeoutStopSec')).toEqual(['446']);
  });

  it('start timeout covers the start timeouts', () => {
    // Daemon 10; priority 1 (is 300, svg 120): 10 + 300; priority 2 (ps 120): 10 + 120; margin 30.
    const withTimeouts = config([], ['startTimeout: 300']);

    expect(startTimeoutSeconds(withTimeouts)).toBe(10 + 310 + 130 + 30);
  });

  it('start timeout covers a long start delay', () => {
    // Daemon 10; priority 1 (is delay 200 over its 120 s timeout, svg 120): 10 + 200; priority 2 (ps 120): 10 + 120; margin 30.
    const withDelays = config([], ['startDelay: 200']);

    expect(startTimeoutSeconds(withDelays)).toBe(10 + 210 + 130 + 30);
  });
});
