import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { loadConfig } from '../../../src/config/load';
import type { ComponentConfig, Config } from '../../../src/config/types';
import { ConfigError } from '../../../src/errors';

const PACKAGE_ROOT = resolve(__dirname, '..', '..', '..');
const INSTALL = '/usr/local/scene7/ImageServing';

let root: string;
let configDir: string;

beforeEach(() => {
  root = realpathSync(mkdtempSync(join(tmpdir(), 'imageserving-install-')));
  configDir = join(root, 'config');
  mkdirSync(configDir);
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

/** Loads an environment made of the given YAML lines, with the packaged default.yaml beside it. */
function loadEnvironment(lines: string[]): Config {
  writeFileSync(join(configDir, 'default.yaml'), readPackaged('default.yaml'));
  writeFileSync(join(configDir, 'site.yaml'), `${lines.join('\n')}\n`);
  return loadConfig({ configDir, environment: 'site' });
}

function readPackaged(name: string): string {
  return readFileSync(join(PACKAGE_ROOT, 'config', name), 'utf8');
}

function component(config: Config, id: string): ComponentConfig {
  const found = config.components.find((candidate) => candidate.id === id);
  if (found === undefined) {
    throw new Error(`no component ${id}`);
  }
  return found;
}

const BASE = ['supervisor:', '  home: /var/lib/imageserving/pm2', 'install:', `  folder: ${INSTALL}`];
const PORTS = ['components:', '  ps:', '    port: 8080', '  is:', '    port: 27345', '  svg:', '    port: 27346'];

describe('install section', () => {
  it('builds the vendor programs', () => {
    const config = loadEnvironment([...BASE, ...PORTS]);
    const ps = component(config, 'ps');
    const is = component(config, 'is');
    const svg = component(config, 'svg');

    expect(ps.executable).toBe(`${INSTALL}/tomcat/bin/catalina.sh`);
    expect(ps.args).toEqual(['run']);
    expect(ps.cwd).toBe(`${INSTALL}/tomcat`);
    expect(ps.env).toEqual({
      CATALINA_HOME: `${INSTALL}/tomcat`,
      CATALINA_BASE: `${INSTALL}/tomcat`,
      CATALINA_OPTS: '-Xmx512m',
    });
    expect(ps.requiredFiles).toEqual([`${INSTALL}/tomcat/conf/server.xml`]);
    expect(is.executable).toBe(`${INSTALL}/bin/ImageServer64`);
    expect(is.cwd).toBe(`${INSTALL}/bin`);
    expect(svg.executable).toBe('java');
    expect(svg.args).toEqual(['-Xmx200m', '-jar', `${INSTALL}/svg/svgserver.jar`]);
    expect(svg.requiredFiles).toEqual([`${INSTALL}/svg/svgserver.jar`]);
  });

  it('applies heap sizes, mode and Java', () => {
    const config = loadEnvironment([
      ...BASE,
      '  javaHome: /usr/lib/jvm/java-17-openjdk-amd64',
      '  catalinaHome: /usr/share/tomcat10',
      '  catalinaBase: /srv/tomcat-instance',
      '  psHeapSize: 2g',
      '  svgHeapSize: 300m',
      '  imageServerMode: 32',
      '  svgJar: ../svg/server.jar',
      ...PORTS,
    ]);
    const ps = component(config, 'ps');
    const svg = component(config, 'svg');

    expect(ps.executable).toBe('/usr/share/tomcat10/bin/catalina.sh');
    expect(ps.cwd).toBe('/srv/tomcat-instance');
    expect(ps.env).toEqual({
      JAVA_HOME: '/usr/lib/jvm/java-17-openjdk-amd64',
      CATALINA_HOME: '/usr/share/tomcat10',
      CATALINA_BASE: '/srv/tomcat-instance',
      CATALINA_OPTS: '-Xmx2g',
    });
    expect(component(config, 'is').executable).toBe(`${INSTALL}/bin/ImageServer32`);
    expect(svg.executable).toBe('/usr/lib/jvm/java-17-openjdk-amd64/bin/java');
    expect(svg.args).toEqual(['-Xmx300m', '-jar', join(root, 'svg', 'server.jar')]);
    expect(svg.env).toEqual({ JAVA_HOME: '/usr/lib/jvm/java-17-openjdk-amd64' });
  });

  it('puts own CATALINA_OPTS after the heap', () => {
    const config = loadEnvironment([...BASE, ...PORTS.slice(0, 3), '    env: { CATALINA_OPTS: "-Dfile.encoding=UTF-8", TZ: UTC }', ...PORTS.slice(3)]);

    expect(component(config, 'ps').env.CATALINA_OPTS).toBe('-Xmx512m -Dfile.encoding=UTF-8');
    expect(component(config, 'ps').env.TZ).toBe('UTC');
  });

  it('own executable wins over the install', () => {
    const config = loadEnvironment([...BASE, ...PORTS, '    executable: /opt/svg/run.sh']);
    const svg = component(config, 'svg');

    expect(svg.executable).toBe('/opt/svg/run.sh');
    expect(svg.args).toEqual([]);
    expect(svg.requiredFiles).toEqual([]);
  });

  it('own args replace the derived ones', () => {
    const config = loadEnvironment([...BASE, ...PORTS, '    args: ["-Xmx1g", "-jar", "/opt/svg.jar"]']);

    expect(component(config, 'svg').args).toEqual(['-Xmx1g', '-jar', '/opt/svg.jar']);
    expect(component(config, 'svg').executable).toBe('java');
  });

  it('production profile uses the install', () => {
    const config = loadConfig({ configDir: join(PACKAGE_ROOT, 'config'), environment: 'production' });

    expect(component(config, 'ps').env.CATALINA_OPTS).toBe('-Xmx512m');
    expect(component(config, 'is').executable).toBe(`${INSTALL}/bin/ImageServer64`);
    expect(component(config, 'svg').args).toEqual(['-Xmx200m', '-jar', `${INSTALL}/svg/svgserver.jar`]);
    expect(config.components.map((entry) => entry.readiness.protocol)).toEqual(['http', 'tcp', 'tcp']);
  });
});

describe('install section problems', () => {
  function problemsOf(lines: string[]): string[] {
    try {
      loadEnvironment(lines);
    } catch (error) {
      if (error instanceof ConfigError) {
        return error.problems;
      }
      throw error;
    }
    throw new Error('loadConfig returned a configuration, expected a ConfigError');
  }

  it('rejects a heap size without unit', () => {
    expect(problemsOf([...BASE, '  psHeapSize: 512', ...PORTS])).toEqual([
      `${configDir}/site.yaml:5:15 install.psHeapSize: wrong type (got number 512, expected a JVM heap size such as 512m or 2g)`,
    ]);
  });

  it('rejects a heap size with a space', () => {
    expect(problemsOf([...BASE, '  svgHeapSize: 200 MB', ...PORTS])).toEqual([
      `${configDir}/site.yaml:5:16 install.svgHeapSize: invalid value (got string "200 MB", expected a JVM heap size such as 512m or 2g)`,
    ]);
  });

  it('rejects mode 48', () => {
    expect(problemsOf([...BASE, '  imageServerMode: 48', ...PORTS])).toEqual([
      `${configDir}/site.yaml:5:20 install.imageServerMode: invalid value (got number 48, expected 64 or 32, for ImageServer64 or ImageServer32)`,
    ]);
  });

  it('needs a folder', () => {
    expect(problemsOf(['supervisor:', '  home: /var/lib/imageserving/pm2', 'install:', '  psHeapSize: 1g', ...PORTS])).toEqual([
      `${configDir}/site.yaml:3:1 install.folder: missing required key ` +
        '(expected the Image Serving install folder, such as /usr/local/scene7/ImageServing)',
    ]);
  });

  it('without install needs executables', () => {
    const problems = problemsOf(['supervisor:', '  home: /var/lib/imageserving/pm2', ...PORTS]);

    expect(problems).toHaveLength(3);
    expect(problems[0]).toBe(
      `${configDir}/site.yaml:4:3 components.ps.executable: missing required key (expected the program to run: an absolute path, ` +
        'a path relative to the config folder, or a command name found in PATH, or an install section that provides it)',
    );
  });
});
