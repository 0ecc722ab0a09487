import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

// A default import, because vitest runs `import x = require()` through Node's own
// require, which cannot load the TypeScript source.
import ecosystem from '../../ecosystem.config';
import type { ComponentConfig, ComponentId, Config } from '../../src/config/types';
import { VALID_CONFIG_YAML } from './fixtures/valid-config';

const PACKAGE_ROOT = resolve(__dirname, '..', '..');
const HOME = '/var/lib/imageserving/pm2';

const PRIORITIES: Record<ComponentId, number> = { ps: 2, is: 1, svg: 1 };

function componentConfig(id: ComponentId, overrides: Partial<ComponentConfig> = {}): ComponentConfig {
  return {
    id,
    name: `${id} server`,
    executable: `/opt/scene7/bin/${id}`,
    args: [`--${id}`],
    cwd: '/opt/scene7/bin',
    env: {},
    requiredFiles: [],
    port: 8000 + PRIORITIES[id],
    readiness: { protocol: 'tcp', host: '127.0.0.1', path: '/' },
    startPriority: PRIORITIES[id],
    startDelay: 5,
    startTimeout: 120,
    stopTimeout: 60,
    restart: { autorestart: true, maxRestarts: 15, minUptime: 5, backoff: 0 },
    logs: { out: `${HOME}/logs/${id}-out.log`, err: `${HOME}/logs/${id}-error.log` },
    ...overrides,
  };
}

function testConfig(components: ComponentConfig[] = [componentConfig('ps'), componentConfig('is'), componentConfig('svg')]): Config {
  return {
    environment: 'staging',
    configDir: '/etc/imageserving',
    invocation: 'ImageServing --env staging --config-dir /etc/imageserving',
    files: ['/etc/imageserving/staging.yaml'],
    supervisor: { home: HOME, namespace: 'imageserving-test', stopSignal: 'SIGINT', callTimeout: 10, lockTimeout: 300 },
    components,
  };
}

describe('ecosystem.toPm2App', () => {
  it('builds full app definition', () => {
    const config = testConfig();

    const app = ecosystem.toPm2App(componentConfig('ps'), config, { PATH: '/usr/bin' });

    expect(app).toEqual({
      name: 'ps',
      namespace: 'imageserving-test',
      script: '/opt/scene7/bin/ps',
      args: ['--ps'],
      cwd: '/opt/scene7/bin',
      interpreter: 'none',
      exec_mode: 'fork',
      env: { PATH: '/usr/bin', PM2_HOME: HOME, IMAGESERVING_HOME: HOME, IMAGESERVING_COMPONENT: 'ps' },
      filter_env: [''],
      kill_timeout: 60_000,
      treekill: true,
      autorestart: true,
      max_restarts: 15,
      min_uptime: 5000,
      out_file: `${HOME}/logs/ps-out.log`,
      error_file: `${HOME}/logs/ps-error.log`,
      log_date_format: 'YYYY-MM-DD HH:mm:ss.SSS Z',
    });
  });

  it('converts stopTimeout to ms', () => {
    const app = ecosystem.toPm2App(componentConfig('is', { stopTimeout: 1.5 }), testConfig(), {});

    expect(app.kill_timeout).toBe(1500);
  });

  it('carries restart policy', () => {
    const restart = { autorestart: false, maxRestarts: 3, minUptime: 0.25, backoff: 0 };

    const app = ecosystem.toPm2App(componentConfig('is', { restart }), testConfig(), {});

    expect(app.autorestart).toBe(false);
    expect(app.max_restarts).toBe(3);
    expect(app.min_uptime).toBe(250);
  });

  it('omits backoff when 0', () => {
    const app = ecosystem.toPm2App(componentConfig('is'), testConfig(), {});

    expect('exp_backoff_restart_delay' in app).toBe(false);
  });

  it('sets backoff in ms', () => {
    const restart = { autorestart: true, maxRestarts: 15, minUptime: 5, backoff: 0.5 };

    const app = ecosystem.toPm2App(componentConfig('is', { restart }), testConfig(), {});

    expect(app.exp_backoff_restart_delay).toBe(500);
  });

  it('omits unset memory limit', () => {
    const app = ecosystem.toPm2App(componentConfig('svg'), testConfig(), {});

    expect('max_memory_restart' in app).toBe(false);
  });

  it('sets memory limit', () => {
    const app = ecosystem.toPm2App(componentConfig('svg', { memoryLimit: '512M' }), testConfig(), {});

    expect(app.max_memory_restart).toBe('512M');
  });

  it('inherits only selected variables', () => {
    const source = {
      PATH: '/usr/bin',
      HOME: '/home/scene7',
      USER: 'scene7',
      LOGNAME: 'scene7',
      LANG: 'C.UTF-8',
      LC_ALL: 'C.UTF-8',
      TZ: 'UTC',
      TMPDIR: '/var/tmp',
      IMAGESERVING_ENV: 'staging',
      NODE_OPTIONS: '--inspect',
      PM2_HOME: '/root/.pm2',
    };

    const app = ecosystem.toPm2App(componentConfig('svg'), testConfig(), source);

    expect(app.env).toEqual({
      PATH: '/usr/bin',
      HOME: '/home/scene7',
      USER: 'scene7',
      LOGNAME: 'scene7',
      LANG: 'C.UTF-8',
      LC_ALL: 'C.UTF-8',
      TZ: 'UTC',
      TMPDIR: '/var/tmp',
      PM2_HOME: HOME,
      IMAGESERVING_HOME: HOME,
      IMAGESERVING_COMPONENT: 'svg',
    });
  });

  it('component env wins', () => {
    const component = componentConfig('ps', { env: { PATH: '/opt/java/bin', CATALINA_OPTS: '-Xmx512m' } });

    const app = ecosystem.toPm2App(component, testConfig(), { PATH: '/usr/bin', TZ: 'UTC' });

    expect(app.env).toEqual({
      PATH: '/opt/java/bin',
      TZ: 'UTC',
      PM2_HOME: HOME,
      CATALINA_OPTS: '-Xmx512m',
      IMAGESERVING_HOME: HOME,
      IMAGESERVING_COMPONENT: 'ps',
    });
  });
});

describe('ecosystem.buildEcosystem', () => {
  it('orders vendor priorities', () => {
    const { apps } = ecosystem.buildEcosystem(testConfig(), {});

    expect(apps.map((app) => app.name)).toEqual(['is', 'svg', 'ps']);
  });

  it('orders by startPriority', () => {
    const config = testConfig([
      componentConfig('ps', { startPriority: 0 }),
      componentConfig('is', { startPriority: 3 }),
      componentConfig('svg', { startPriority: 1 }),
    ]);

    const { apps } = ecosystem.buildEcosystem(config, {});

    expect(apps.map((app) => app.name)).toEqual(['ps', 'svg', 'is']);
  });

  it('puts apps in one namespace', () => {
    const { apps } = ecosystem.buildEcosystem(testConfig(), {});

    expect(apps.map((app) => app.namespace)).toEqual(['imageserving-test', 'imageserving-test', 'imageserving-test']);
  });

  it('carries stopSignal', () => {
    expect(ecosystem.buildEcosystem(testConfig(), {}).stopSignal).toBe('SIGINT');
  });

  it('leaves config unchanged', () => {
    const config = testConfig();

    ecosystem.buildEcosystem(config, {});

    expect(config.components.map((component) => component.id)).toEqual(['ps', 'is', 'svg']);
  });
});


/** Requires dist/ecosystem.config.js in a new Node.js process, as pm2 does, and returns what it printed. */
function requireCompiled(cwd: string, env: NodeJS.ProcessEnv): { apps?: { name: string; script: string }[]; error?: string } {
  const script = `
    const ecosystem = require(${JSON.stringify(join(PACKAGE_ROOT, 'dist', 'ecosystem.config.js'))});
    let output;
    try {
      output = { apps: ecosystem.apps };
    } catch (error) {
      output = { error: error instanceof Error ? error.message : 'not an Error: ' + String(error) };
    }
    process.stdout.write(JSON.stringify(output));
  `;
  const stdout = execFileSync(process.execPath, ['-e', script], { cwd, env: { ...process.env, ...env }, encoding: 'utf8' });

  return JSON.parse(stdout) as { apps?: { name: string; script: string }[]; error?: string };
}

// These tests load dist/, which npm test and npm run test:unit build first.
describe('compiled ecosystem file', () => {
  let root: string;
  let configDir: string;

  beforeEach(() => {
    root = realpathSync(mkdtempSync(join(tmpdir(), 'imageserving-ecosystem-')));
    configDir = join(root, 'config');
    mkdirSync(configDir);
  });

  afterEach(() => {
    rmSync(root, { recursive: true, force: true });
  });

  it('exposes apps to pm2', () => {
    writeFileSync(join(configDir, 'staging.yaml'), VALID_CONFIG_YAML);

    const output = requireCompiled(root, { IMAGESERVING_ENV: 'staging', IMAGESERVING_CONFIG_DIR: configDir });

    expect(output.error).toBeUndefined();
    expect(output.apps?.map((app) => app.name)).toEqual(['is', 'svg', 'ps']);
    expect(output.apps?.map((app) => app.script)).toEqual([
      '/opt/scene7/bin/ImageServer64',
      'java',
      '/opt/scene7/tomcat/bin/catalina.sh',
    ]);
  });

  it('apps getter throws on broken config', () => {
    const broken = VALID_CONFIG_YAML.replace('port: 8080', 'port: 0').replace('executable: java', 'executable: 17');
    writeFileSync(join(configDir, 'staging.yaml'), broken);

    const output = requireCompiled(root, { IMAGESERVING_ENV: 'staging', IMAGESERVING_CONFIG_DIR: configDir });

    expect(output.apps).toBeUndefined();
    expect(output.error).toBe(
      [
        'invalid ImageServing configuration:',
        'config/staging.yaml:6:11 components.ps.port: invalid value (got number 0, expected a TCP port number from 1 to 65535)',
        'config/staging.yaml:11:17 components.svg.executable: wrong type (got number 17, expected the program to run: ' +
          'an absolute path, a path relative to the config folder, or a command name found in PATH)',
      ].join('\n'),
    );
  });
});
