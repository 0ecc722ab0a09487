import { chmodSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { loadConfig } from '../../../src/config/load';
import { locateConfig } from '../../../src/config/locate';
import { ConfigError } from '../../../src/errors';
import { VALID_CONFIG_YAML } from '../fixtures/valid-config';

const PACKAGE_ROOT = resolve(__dirname, '..', '..', '..');

/** The broken cases below edit single lines of this file, so their line numbers count from its layout. */
const VALID = VALID_CONFIG_YAML;

/** VALID with lines inserted after ps's port, so the first of them is line 7. */
function withPsLines(...lines: string[]): string {
  return VALID.replace('    port: 8080\n', `    port: 8080\n${lines.join('\n')}\n`);
}

let root: string;
let configDir: string;
let previousCwd: string;

// Each test runs in a fresh folder that contains config/, so messages name files
// as config/NAME.yaml (relative to the working folder, because that is shorter).
beforeEach(() => {
  root = realpathSync(mkdtempSync(join(tmpdir(), 'imageserving-load-')));
  configDir = join(root, 'config');
  mkdirSync(configDir);
  previousCwd = process.cwd();
  process.chdir(root);
});

afterEach(() => {
  process.chdir(previousCwd);
  rmSync(root, { recursive: true, force: true });
});

/** Writes files into the config folder. A null text makes a folder of that name. */
function writeConfig(files: Record<string, string | null>): void {
  for (const [name, text] of Object.entries(files)) {
    if (text === null) {
      mkdirSync(join(configDir, name));
    } else {
      writeFileSync(join(configDir, name), text);
    }
  }
}

/** Runs loadConfig and returns the ConfigError it throws. */
function loadError(options: { configDir?: string; environment?: string }, env: NodeJS.ProcessEnv = {}): ConfigError {
  try {
    loadConfig(options, env);
  } catch (error) {
    if (error instanceof ConfigError) {
      return error;
    }
    throw error;
  }

  throw new Error('loadConfig returned a configuration, expected a ConfigError');
}

describe('loadConfig with a valid config', () => {
  const yaml = [
    'supervisor:',
    '  home: ~/.imageserving-test/pm2',
    'components:',
    '  ps:',
    '    executable: ../bin/platform-server.sh',
    '    port: 8080',
    '  is:',
    '    executable: /opt/scene7/bin/ImageServer64',
    '    port: 27345',
    '  svg:',
    '    executable: java',
    '    args: ["-jar", "svgserver.jar"]',
    '    port: 27346',
    '',
  ].join('\n');

  it('reports location and files', () => {
    writeConfig({ 'staging.yaml': yaml });

    const config = loadConfig({ configDir, environment: 'staging' });

    expect(config.environment).toBe('staging');
    expect(config.configDir).toBe(configDir);
    expect(config.files).toEqual([join(configDir, 'staging.yaml')]);
  });

  it('applies supervisor defaults', () => {
    writeConfig({ 'staging.yaml': yaml });

    const { supervisor } = loadConfig({ configDir, environment: 'staging' });

    expect(supervisor.home).toBe(join(homedir(), '.imageserving-test', 'pm2'));
    expect(supervisor.namespace).toBe('imageserving');
    expect(supervisor.stopSignal).toBe('SIGTERM');
    expect(supervisor.callTimeout).toBe(10);
    expect(supervisor.lockTimeout).toBe(300);
  });

  it('applies vendor component defaults', () => {
    writeConfig({ 'staging.yaml': yaml });

    const { components } = loadConfig({ configDir, environment: 'staging' });
    const byId = Object.fromEntries(components.map((component) => [component.id, component]));

    expect(components.map((component) => component.id)).toEqual(['ps', 'is', 'svg']);
    expect(byId.ps.name).toBe('Platform Server');
    expect(byId.is.name).toBe('Image Server');
    expect(byId.svg.name).toBe('SVG server');
    expect(byId.is.startPriority).toBe(1);
    expect(byId.svg.startPriority).toBe(1);
    expect(byId.ps.startPriority).toBe(2);
    for (const component of components) {
      expect(component.startDelay).toBe(5);
      expect(component.stopTimeout).toBe(60);
      expect(component.restart).toEqual({ autorestart: true, maxRestarts: 15, minUptime: 5, backoff: 1 });
      expect(component.memoryLimit).toBeUndefined();
      expect(component.env).toEqual({});
    }
  });

  it('resolves executables and working folders', () => {
    writeConfig({ 'staging.yaml': yaml });

    const [ps, is, svg] = loadConfig({ configDir, environment: 'staging' }).components;

    expect(ps.executable).toBe(join(root, 'bin', 'platform-server.sh'));
    expect(ps.cwd).toBe(join(root, 'bin'));
    expect(is.executable).toBe('/opt/scene7/bin/ImageServer64');
    expect(is.cwd).toBe('/opt/scene7/bin');
    expect(svg.executable).toBe('java');
    expect(svg.cwd).toBe(configDir);
    expect(ps.args).toEqual([]);
    expect(svg.args).toEqual(['-jar', 'svgserver.jar']);
  });

  it('puts default logs under home', () => {
    writeConfig({ 'staging.yaml': yaml });

    const config = loadConfig({ configDir, environment: 'staging' });
    const logs = join(homedir(), '.imageserving-test', 'pm2', 'logs');

    expect(config.components.map((component) => component.logs)).toEqual([
      { out: join(logs, 'ps-out.log'), err: join(logs, 'ps-error.log') },
      { out: join(logs, 'is-out.log'), err: join(logs, 'is-error.log') },
      { out: join(logs, 'svg-out.log'), err: join(logs, 'svg-error.log') },
    ]);
  });

  it('resolves set cwd and logs', () => {
    writeConfig({
      'staging.yaml': withPsLines('    cwd: ../tomcat', '    logs:', '      out: ~/ps.log', '      err: logs/ps-error.log'),
    });

    const [ps] = loadConfig({ configDir, environment: 'staging' }).components;

    expect(ps.cwd).toBe(join(root, 'tomcat'));
    expect(ps.logs.out).toBe(join(homedir(), 'ps.log'));
    expect(ps.logs.err).toBe(join(configDir, 'logs', 'ps-error.log'));
  });

  it('keeps set values', () => {
    writeConfig({
      'staging.yaml': withPsLines(
        '    name: Tomcat',
        '    startPriority: 0',
        '    startDelay: 0',
        '    stopTimeout: 1.5',
        '    memoryLimit: 512M',
        '    env:',
        '      CATALINA_OPTS: "-Xmx512m"',
        '    restart:',
        '      autorestart: false',
        '      maxRestarts: 0',
        '      minUptime: 0.5',
        '      backoff: 2',
      ),
    });

    const [ps] = loadConfig({ configDir, environment: 'staging' }).components;

    expect(ps.name).toBe('Tomcat');
    expect(ps.startPriority).toBe(0);
    expect(ps.startDelay).toBe(0);
    expect(ps.stopTimeout).toBe(1.5);
    expect(ps.memoryLimit).toBe('512M');
    expect(ps.env).toEqual({ CATALINA_OPTS: '-Xmx512m' });
    expect(ps.restart).toEqual({ autorestart: false, maxRestarts: 0, minUptime: 0.5, backoff: 2 });
  });

  it('merges default.yaml under environment', () => {
    writeConfig({
      'default.yaml': [
        'supervisor:',
        '  home: /tmp/imageserving-test/pm2',
        '  stopSignal: SIGINT',
        'components:',
        '  svg:',
        '    args: ["-Xmx200m"]',
        '    stopTimeout: 30',
        '',
      ].join('\n'),
      'staging.yaml': VALID.replace('    executable: java\n', '    executable: java\n    args: ["-jar", "svg.jar"]\n'),
    });

    const config = loadConfig({ configDir, environment: 'staging' });
    const svg = config.components[2];

    expect(config.files).toEqual([join(configDir, 'default.yaml'), join(configDir, 'staging.yaml')]);
    expect(config.supervisor.stopSignal).toBe('SIGINT');
    expect(svg.args).toEqual(['-jar', 'svg.jar']);
    expect(svg.stopTimeout).toBe(30);
  });

  it('accepts empty environment file', () => {
    writeConfig({ 'default.yaml': VALID, 'staging.yaml': '' });

    const config = loadConfig({ configDir, environment: 'staging' });

    expect(config.components.map((component) => component.port)).toEqual([8080, 27345, 27346]);
  });
});

describe('loadConfig with packaged configs', () => {
  it('loads development', () => {
    const config = loadConfig({ configDir: join(PACKAGE_ROOT, 'config'), environment: 'development' });

    expect(config.environment).toBe('development');
    expect(config.components[0].executable).toBe(join(PACKAGE_ROOT, 'standins', 'platform-server.js'));
    expect(config.components.map((component) => component.port)).toEqual([8080, 27345, 27346]);
  });

  it('loads production', () => {
    const config = loadConfig({ configDir: join(PACKAGE_ROOT, 'config'), environment: 'production' });

    expect(config.environment).toBe('production');
    expect(config.supervisor.home).toBe('/var/lib/imageserving/pm2');
    expect(config.components[0].executable).toBe('/usr/local/scene7/ImageServing/tomcat/bin/catalina.sh');
  });
});

describe('locateConfig', () => {
  it('--env wins over IMAGESERVING_ENV', () => {
    expect(locateConfig({ environment: 'production' }, { IMAGESERVING_ENV: 'staging' }).environment).toBe('production');
  });

  it('IMAGESERVING_ENV wins over default', () => {
    expect(locateConfig({}, { IMAGESERVING_ENV: 'staging' }).environment).toBe('staging');
  });

  it('environment defaults to development', () => {
    expect(locateConfig({}, {}).environment).toBe('development');
  });

  it('empty IMAGESERVING_ENV counts as unset', () => {
    expect(locateConfig({}, { IMAGESERVING_ENV: '' }).environment).toBe('development');
  });

  it('--config-dir wins over variable', () => {
    const location = locateConfig({ configDir: '/etc/imageserving' }, { IMAGESERVING_CONFIG_DIR: '/srv/config' });

    expect(location.configDir).toBe('/etc/imageserving');
  });

  it('IMAGESERVING_CONFIG_DIR wins over package', () => {
    expect(locateConfig({}, { IMAGESERVING_CONFIG_DIR: '/srv/config' }).configDir).toBe('/srv/config');
  });

  it('config dir defaults to package', () => {
    expect(locateConfig({}, {}, join(root, 'no-etc')).configDir).toBe(join(PACKAGE_ROOT, 'config'));
  });

  it('empty IMAGESERVING_CONFIG_DIR counts as unset', () => {
    expect(locateConfig({}, { IMAGESERVING_CONFIG_DIR: '' }, join(root, 'no-etc')).configDir).toBe(join(PACKAGE_ROOT, 'config'));
  });

  it('resolves relative config dir', () => {
    expect(locateConfig({ configDir: 'config' }, {}).configDir).toBe(configDir);
    expect(locateConfig({}, { IMAGESERVING_CONFIG_DIR: 'config' }).configDir).toBe(configDir);
  });

  it('loadConfig reads the variables', () => {
    writeConfig({ 'staging.yaml': VALID });
    const saved = { env: process.env.IMAGESERVING_ENV, dir: process.env.IMAGESERVING_CONFIG_DIR };

    try {
      process.env.IMAGESERVING_ENV = 'staging';
      process.env.IMAGESERVING_CONFIG_DIR = configDir;
      const config = loadConfig();

      expect(config.environment).toBe('staging');
      expect(config.configDir).toBe(configDir);
    } finally {
      restoreVariable('IMAGESERVING_ENV', saved.env);
      restoreVariable('IMAGESERVING_CONFIG_DIR', saved.dir);
    }
  });
});

function restoreVariable(name: string, value: string | undefined): void {
  if (value === undefined) {
    delete process.env[name];
  } else {
    process.env[name] = value;
  }
}

interface BrokenCase {
  name: string;
  /** Files of the config folder, where a null text makes a folder of that name. */
  files: Record<string, string | null>;
  /** Environment name, staging when unset. */
  environment?: string;
  /** Config folder relative to the test folder, config when unset. */
  configDir?: string;
  /** Pass the environment and folder as IMAGESERVING_ENV and IMAGESERVING_CONFIG_DIR instead of as options. */
  fromVariables?: boolean;
  /** Expected messages in order, where <root> is the test folder. */
  problems: string[];
}

const LONG_HOME = `/tmp/${'a'.repeat(100)}`;

const BROKEN_CASES: BrokenCase[] = [
  {
    name: 'tab indentation',
    files: { 'staging.yaml': VALID.replace('    port: 8080', '\tport: 8080') },
    // Only the first syntax error of a file is reported; the parser's follow-up errors are left out.
    problems: [
      'config/staging.yaml:6:1 components.ps: tab used for indentation (got a tab character, expected spaces); ' +
        'fix it first, as later YAML errors in this file may follow from it',
    ],
  },
  {
    name: 'duplicate key',
    files: { 'staging.yaml': withPsLines('    port: 8081') },
    problems: ['config/staging.yaml:7:5 components.ps.port: duplicate key (got the same key twice in one map, expected each key once)'],
  },
  {
    name: 'unclosed quote',
    files: { 'staging.yaml': VALID.replace('executable: java', 'executable: "java') },
    // The parser detects the missing closing quote where the file ends; the message points at the opening one.
    problems: ['config/staging.yaml:11:17 components.svg.executable: missing character (Missing closing "quote)'],
  },
  {
    name: 'stopTimeout as string',
    files: { 'staging.yaml': withPsLines('    stopTimeout: "60"') },
    problems: [
      'config/staging.yaml:7:18 components.ps.stopTimeout: wrong type (got string "60", expected a number of seconds greater than 0)',
    ],
  },
  {
    name: 'empty value',
    files: { 'staging.yaml': withPsLines('    startDelay:') },
    problems: [
      'config/staging.yaml:7:5 components.ps.startDelay: wrong type (got an empty value, expected a number of seconds, 0 or more)',
    ],
  },
  {
    name: 'autorestart off',
    files: { 'staging.yaml': withPsLines('    restart:', '      autorestart: off') },
    problems: ['config/staging.yaml:8:20 components.ps.restart.autorestart: wrong type (got string "off", expected true or false)'],
  },
  {
    name: 'autorestart yes',
    files: { 'staging.yaml': withPsLines('    restart:', '      autorestart: yes') },
    problems: ['config/staging.yaml:8:20 components.ps.restart.autorestart: wrong type (got string "yes", expected true or false)'],
  },
  {
    name: 'port 0',
    files: { 'staging.yaml': VALID.replace('port: 8080', 'port: 0') },
    problems: ['config/staging.yaml:6:11 components.ps.port: invalid value (got number 0, expected a TCP port number from 1 to 65535)'],
  },
  {
    name: 'port 70000',
    files: { 'staging.yaml': VALID.replace('port: 8080', 'port: 70000') },
    problems: [
      'config/staging.yaml:6:11 components.ps.port: invalid value (got number 70000, expected a TCP port number from 1 to 65535)',
    ],
  },
  {
    name: 'port on two components',
    files: { 'staging.yaml': VALID.replace('port: 27345', 'port: 8080') },
    problems: [
      'config/staging.yaml:9:11 components.is.port: port already used by ps (got 8080, expected a port no other component uses)',
    ],
  },
  {
    name: 'stopTimeout 0',
    files: { 'staging.yaml': withPsLines('    stopTimeout: 0') },
    problems: [
      'config/staging.yaml:7:18 components.ps.stopTimeout: invalid value (got number 0, expected a number of seconds greater than 0)',
    ],
  },
  {
    name: 'stopTimeout negative',
    files: { 'staging.yaml': withPsLines('    stopTimeout: -5') },
    problems: [
      'config/staging.yaml:7:18 components.ps.stopTimeout: invalid value (got number -5, expected a number of seconds greater than 0)',
    ],
  },
  {
    name: 'unknown key',
    files: { 'staging.yaml': withPsLines('    stopTimout: 5') },
    problems: [
      'config/staging.yaml:7:5 components.ps.stopTimout: unknown key (got "stopTimout", expected one of name, executable, args, ' +
        'cwd, env, port, readiness, startPriority, startDelay, startTimeout, stopTimeout, restart, memoryLimit, logs; ' +
        'did you mean "stopTimeout"?)',
    ],
  },
  {
    name: 'unknown component',
    files: { 'staging.yaml': `${VALID}  pss:\n    executable: /bin/true\n    port: 9000\n` },
    problems: [
      'config/staging.yaml:13:3 components.pss: unknown key (got "pss", expected one of ps, is, svg; did you mean "ps"?)',
    ],
  },
  {
    name: 'missing executable',
    files: { 'staging.yaml': VALID.replace('    executable: /opt/scene7/tomcat/bin/catalina.sh\n', '') },
    problems: [
      'config/staging.yaml:4:3 components.ps.executable: missing required key (expected the program to run: an absolute path, ' +
        'a path relative to the config folder, or a command name found in PATH, or an install section that provides it)',
    ],
  },
  {
    name: 'env value number',
    files: { 'staging.yaml': withPsLines('    env:', '      JAVA_XMX: 512') },
    problems: [
      'config/staging.yaml:8:17 components.ps.env.JAVA_XMX: wrong type (got a number, expected a string; quote numbers and booleans)',
    ],
  },
  {
    name: 'env variable name',
    files: { 'staging.yaml': withPsLines('    env:', '      1BAD-NAME: x') },
    problems: [
      'config/staging.yaml:8:7 components.ps.env.1BAD-NAME: invalid name (got "1BAD-NAME", ' +
        "expected an environment variable name of letters, digits and '_')",
    ],
  },
  {
    name: 'env name PM2 reserves',
    files: { 'staging.yaml': withPsLines('    env:', '      name: catalina', '      autorestart: "false"', '      NAME: fine') },
    problems: [
      'config/staging.yaml:8:7 components.ps.env.name: reserved name (got "name", ' +
        'which PM2 would read as a setting of the app itself, expected another variable name)',
      'config/staging.yaml:9:7 components.ps.env.autorestart: reserved name (got "autorestart", ' +
        'which PM2 would read as a setting of the app itself, expected another variable name)',
    ],
  },
  {
    name: 'minUptime 0',
    files: { 'staging.yaml': withPsLines('    restart:', '      minUptime: 0') },
    problems: [
      'config/staging.yaml:8:18 components.ps.restart.minUptime: invalid value (got number 0, expected a number of seconds greater than 0)',
    ],
  },
  {
    name: 'maxRestarts negative',
    files: { 'staging.yaml': withPsLines('    restart:', '      maxRestarts: -1') },
    problems: [
      'config/staging.yaml:8:20 components.ps.restart.maxRestarts: invalid value (got number -1, expected a whole number of restarts, 0 or more)',
    ],
  },
  {
    name: 'maxRestarts fraction',
    files: { 'staging.yaml': withPsLines('    restart:', '      maxRestarts: 2.5') },
    problems: [
      'config/staging.yaml:8:20 components.ps.restart.maxRestarts: wrong type (got number 2.5, expected a whole number of restarts, 0 or more)',
    ],
  },
  {
    name: 'backoff negative',
    files: { 'staging.yaml': withPsLines('    restart:', '      backoff: -1') },
    problems: [
      'config/staging.yaml:8:16 components.ps.restart.backoff: invalid value (got number -1, expected a number of seconds, 0 or more)',
    ],
  },
  {
    name: 'autorestart quoted',
    files: { 'staging.yaml': withPsLines('    restart:', '      autorestart: "true"') },
    problems: ['config/staging.yaml:8:20 components.ps.restart.autorestart: wrong type (got string "true", expected true or false)'],
  },
  {
    name: 'lockTimeout 0',
    files: { 'staging.yaml': VALID.replace('/pm2\n', '/pm2\n  lockTimeout: 0\n') },
    problems: [
      'config/staging.yaml:3:16 supervisor.lockTimeout: invalid value (got number 0, ' +
        'expected seconds to wait for another start, stop or restart to finish, greater than 0)',
    ],
  },
  {
    name: 'lockTimeout with unit',
    files: { 'staging.yaml': VALID.replace('/pm2\n', '/pm2\n  lockTimeout: 5m\n') },
    problems: [
      'config/staging.yaml:3:16 supervisor.lockTimeout: wrong type (got string "5m", ' +
        'expected seconds to wait for another start, stop or restart to finish, greater than 0)',
    ],
  },
  {
    name: 'callTimeout negative',
    files: { 'staging.yaml': VALID.replace('/pm2\n', '/pm2\n  callTimeout: -10\n') },
    problems: [
      'config/staging.yaml:3:16 supervisor.callTimeout: invalid value (got number -10, ' +
        'expected seconds each call to the supervisor may take, greater than 0)',
    ],
  },
  {
    name: 'unknown supervisor key',
    files: { 'staging.yaml': VALID.replace('/pm2\n', '/pm2\n  lockTimout: 60\n') },
    problems: [
      'config/staging.yaml:3:3 supervisor.lockTimout: unknown key (got "lockTimout", expected one of home, namespace, ' +
        'stopSignal, callTimeout, lockTimeout; did you mean "lockTimeout"?)',
    ],
  },
  {
    name: 'args as one string',
    files: { 'staging.yaml': withPsLines('    args: --port 8080') },
    problems: [
      'config/staging.yaml:7:11 components.ps.args: wrong type (got string "--port 8080", expected a list of arguments, each a string)',
    ],
  },
  {
    name: 'startPriority fraction',
    files: { 'staging.yaml': withPsLines('    startPriority: 1.5') },
    problems: [
      'config/staging.yaml:7:20 components.ps.startPriority: wrong type (got number 1.5, ' +
        'expected a whole number, 0 or more; lower numbers start first)',
    ],
  },
  {
    name: 'env value hidden',
    files: { 'staging.yaml': withPsLines('    env:', '      DB_PASSWORD: 91827364', '      API_TOKEN:') },
    problems: [
      'config/staging.yaml:8:20 components.ps.env.DB_PASSWORD: wrong type (got a number, expected a string; quote numbers and booleans)',
      'config/staging.yaml:9:7 components.ps.env.API_TOKEN: wrong type (got an empty value, expected a string; quote numbers and booleans)',
    ],
  },
  {
    name: 'duplicate component',
    files: { 'staging.yaml': `${VALID}  ps:\n    executable: /bin/true\n    port: 9000\n` },
    problems: ['config/staging.yaml:13:3 components.ps: duplicate key (got the same key twice in one map, expected each key once)'],
  },
  {
    name: 'component as a list',
    files: { 'staging.yaml': VALID.replace('  svg:\n    executable: java\n    port: 27346\n', '  svg: [java, 27346]\n') },
    problems: ['config/staging.yaml:10:3 components.svg: wrong type (got a list, expected a map of component settings)'],
  },
  {
    name: 'stopSignal SIGKILL',
    files: { 'staging.yaml': VALID.replace('/pm2\n', '/pm2\n  stopSignal: SIGKILL\n') },
    problems: [
      'config/staging.yaml:3:15 supervisor.stopSignal: invalid value (got string "SIGKILL", ' +
        'expected one of SIGTERM, SIGINT, SIGQUIT, SIGHUP, SIGUSR1, SIGUSR2)',
    ],
  },
  {
    name: 'memoryLimit 2GB',
    files: { 'staging.yaml': withPsLines('    memoryLimit: 2GB') },
    problems: [
      'config/staging.yaml:7:18 components.ps.memoryLimit: invalid value (got string "2GB", ' +
        'expected a size such as 512M or 2G (K, M or G suffix))',
    ],
  },
  {
    name: 'home too long',
    files: { 'staging.yaml': VALID.replace('/tmp/imageserving-test/pm2', LONG_HOME) },
    problems: [
      `config/staging.yaml:2:9 supervisor.home: path too long for PM2's socket (got ${LONG_HOME}/rpc.sock, 114 bytes, ` +
        'expected at most 107 bytes for a Unix socket path); choose a shorter folder',
    ],
  },
  {
    name: 'scalar document',
    files: { 'staging.yaml': 'development\n' },
    problems: [
      'config/staging.yaml:1:1 (top level): wrong type (got a single value, expected a map with supervisor and components)',
    ],
  },
  {
    name: 'empty file alone',
    files: { 'staging.yaml': '' },
    problems: [
      'config/staging.yaml:1:1 supervisor: missing required key (expected a map with home, namespace, stopSignal, callTimeout and lockTimeout)',
      'config/staging.yaml:1:1 components: missing required key (expected a map with the ps, is and svg components)',
    ],
  },
  {
    name: 'problems in two files',
    files: {
      'default.yaml': ['supervisor:', '  callTimeout: 0', 'components:', '  svg:', '    startDelay: -1', ''].join('\n'),
      'staging.yaml': withPsLines('    stopTimeout: "x"').replace('port: 27345', 'port: 99999'),
    },
    problems: [
      'config/default.yaml:2:16 supervisor.callTimeout: invalid value (got number 0, ' +
        'expected seconds each call to the supervisor may take, greater than 0)',
      'config/default.yaml:5:17 components.svg.startDelay: invalid value (got number -1, expected a number of seconds, 0 or more)',
      'config/staging.yaml:7:18 components.ps.stopTimeout: wrong type (got string "x", expected a number of seconds greater than 0)',
      'config/staging.yaml:10:11 components.is.port: invalid value (got number 99999, expected a TCP port number from 1 to 65535)',
    ],
  },
  {
    name: 'syntax errors in two files',
    files: {
      'default.yaml': withPsLines('    port: 8081'),
      'staging.yaml': VALID.replace('executable: java', 'executable: "java'),
    },
    problems: [
      'config/default.yaml:7:5 components.ps.port: duplicate key (got the same key twice in one map, expected each key once)',
      'config/staging.yaml:11:17 components.svg.executable: missing character (Missing closing "quote)',
    ],
  },
  {
    name: 'nonexistent environment',
    files: { 'default.yaml': VALID, 'development.yaml': VALID, 'production.yaml': VALID },
    problems: [
      'config/staging.yaml: environment "staging" given with --env not found (environments in config: development, production); ' +
        'pass --env NAME',
    ],
  },
  {
    name: 'no environments at all',
    files: { 'default.yaml': VALID },
    problems: [
      'config/staging.yaml: environment "staging" given with --env not found (environments in config: none); pass --env NAME',
    ],
  },
  {
    name: 'environment default',
    files: { 'default.yaml': VALID },
    environment: 'default',
    problems: ['invalid environment name "default" given with --env (expected the name of a YAML file in config, such as development); pass --env NAME'],
  },
  {
    name: 'environment with slash',
    files: { 'staging.yaml': VALID },
    environment: '../staging',
    problems: ['invalid environment name "../staging" given with --env (expected the name of a YAML file in config, such as development); pass --env NAME'],
  },
  {
    name: 'missing config folder',
    files: {},
    configDir: 'missing',
    problems: [
      '<root>/missing: config folder not found (given with --config-dir); pass --config-dir DIR, ' +
        'naming a folder with default.yaml and NAME.yaml files',
    ],
  },
  {
    name: 'environment from IMAGESERVING_ENV',
    files: { 'default.yaml': VALID, 'development.yaml': VALID },
    environment: 'prod',
    fromVariables: true,
    problems: [
      'config/prod.yaml: environment "prod" from IMAGESERVING_ENV not found (environments in config: development); ' +
        'set IMAGESERVING_ENV to another NAME, or pass --env NAME',
    ],
  },
  {
    name: 'config folder from IMAGESERVING_CONFIG_DIR',
    files: {},
    configDir: 'missing',
    fromVariables: true,
    problems: [
      '<root>/missing: config folder not found (from IMAGESERVING_CONFIG_DIR); set IMAGESERVING_CONFIG_DIR or pass --config-dir DIR, ' +
        'naming a folder with default.yaml and NAME.yaml files',
    ],
  },
  {
    name: 'config folder is a file',
    files: { 'staging.yaml': VALID },
    configDir: 'config/staging.yaml',
    problems: [
      '<root>/config/staging.yaml: is not a folder (given with --config-dir); pass --config-dir DIR, ' +
        'naming a folder with default.yaml and NAME.yaml files',
    ],
  },
  {
    name: 'environment file is a folder',
    files: { 'staging.yaml': null },
    problems: [
      'config/staging.yaml:1:1 (top level): cannot read the file (got EISDIR, expected a YAML file this account can read); ' +
        'replace the folder with a YAML file',
    ],
  },
  {
    name: 'default.yaml is a folder',
    files: { 'default.yaml': null, 'staging.yaml': VALID },
    problems: [
      'config/default.yaml:1:1 (top level): cannot read the file (got EISDIR, expected a YAML file this account can read); ' +
        'replace the folder with a YAML file',
    ],
  },
];

describe('loadConfig with a broken config', () => {
  it.each(BROKEN_CASES)('$name', ({ files, environment = 'staging', configDir: folder = 'config', fromVariables, problems }) => {
    writeConfig(files);

    const error =
      fromVariables === true
        ? loadError({}, { IMAGESERVING_ENV: environment, IMAGESERVING_CONFIG_DIR: join(root, folder) })
        : loadError({ configDir: join(root, folder), environment });

    expect(error.problems).toEqual(problems.map((problem) => problem.replaceAll('<root>', root)));
    expect(error.exitCode).toBe(6);
  });

  // chmod 000 does not keep root from reading a file.
  it.skipIf(process.getuid?.() === 0)('unreadable file (not as root)', () => {
    writeConfig({ 'staging.yaml': VALID });
    chmodSync(join(configDir, 'staging.yaml'), 0o000);

    const error = loadError({ configDir, environment: 'staging' });

    expect(error.problems).toEqual([
      'config/staging.yaml:1:1 (top level): cannot read the file (got EACCES, expected a YAML file this account can read); ' +
        'check its owner and mode',
    ]);
    expect(error.exitCode).toBe(6);
  });
});
