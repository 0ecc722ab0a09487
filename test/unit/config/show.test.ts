import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';

import { loadConfig } from '../../../src/config/load';
import { configDocument, isSecretName, MASK, maskSecrets, renderConfigDocument } from '../../../src/config/show';
import { VALID_CONFIG_YAML } from '../fixtures/valid-config';

let folder: string;

beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), 'imageserving-show-'));
});

afterEach(() => {
  rmSync(folder, { recursive: true, force: true });
});

describe('isSecretName', () => {
  it.each(['PASSWORD', 'DB_PASSWORD', 'db_password', 'CLIENT_SECRET', 'secretFile', 'API_TOKEN', 'KEY', 'aws_access_key_id', 'KEYSTORE'])(
    '%s is secret',
    (name) => {
      expect(isSecretName(name)).toBe(true);
    },
  );

  it.each(['JAVA_OPTS', 'CATALINA_HOME', 'PATH', 'PASS', 'TOKYO'])('%s is not secret', (name) => {
    expect(isSecretName(name)).toBe(false);
  });
});

describe('maskSecrets', () => {
  it('masks only secret names', () => {
    expect(maskSecrets({ JAVA_OPTS: '-Xmx1g', LICENSE_KEY: 'abc-123', SMTP_PASSWORD: 'hunter2' })).toEqual({
      JAVA_OPTS: '-Xmx1g',
      LICENSE_KEY: MASK,
      SMTP_PASSWORD: MASK,
    });
  });
});

describe('configDocument', () => {
  function loadWithPsEnv(): ReturnType<typeof loadConfig> {
    const yaml = VALID_CONFIG_YAML.replace('    port: 8080\n', '    port: 8080\n    env: { DB_PASSWORD: hunter2, CATALINA_OPTS: "-Xmx512m" }\n');
    writeFileSync(join(folder, 'staging.yaml'), yaml);
    return loadConfig({ configDir: folder, environment: 'staging' });
  }

  it('masks component and app env', () => {
    const config = loadWithPsEnv();

    const document = configDocument(config, 'option', { PATH: '/usr/bin', API_TOKEN: 'never-inherited' });
    const text = renderConfigDocument(document);

    expect(text).not.toContain('hunter2');
    expect(document.components[0].env).toEqual({ DB_PASSWORD: MASK, CATALINA_OPTS: '-Xmx512m' });
    const ps = document.pm2.apps.find((app) => app.name === 'ps');
    expect(ps?.env.DB_PASSWORD).toBe(MASK);
    expect(ps?.env.PATH).toBe('/usr/bin');
    // The config itself keeps the real value for start.
    expect(config.components[0].env.DB_PASSWORD).toBe('hunter2');
  });

  it('lists apps in start order', () => {
    const document = configDocument(loadWithPsEnv(), 'package', {});

    expect(document.pm2.apps.map((app) => app.name)).toEqual(['is', 'svg', 'ps']);
    expect(document.pm2.stopSignal).toBe('SIGTERM');
    expect(document.configDirChosenBy).toBe("the package's config/");
  });

  it('YAML output parses back', () => {
    const document = configDocument(loadWithPsEnv(), 'system', {});

    expect(parse(renderConfigDocument(document))).toEqual(JSON.parse(JSON.stringify(document)));
  });
});
