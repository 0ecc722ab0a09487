import { chmodSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { ComponentConfig, ComponentId } from '../../../src/config/types';
import { CliError } from '../../../src/errors';
import { checkInstall, findInPath } from '../../../src/supervisor/preflight';

const CONFIG_FILES = ['/etc/imageserving/default.yaml', '/etc/imageserving/staging.yaml'];

let root: string;
let binDir: string;
let otherBinDir: string;
let savedPath: string | undefined;

/** Writes a shell script with the given mode. */
function writeProgram(path: string, mode: number): void {
  writeFileSync(path, '#!/bin/sh\nexit 0\n');
  chmodSync(path, mode);
}

beforeEach(() => {
  root = realpathSync(mkdtempSync(join(tmpdir(), 'imageserving-preflight-')));
  binDir = join(root, 'bin');
  otherBinDir = join(root, 'other-bin');
  mkdirSync(binDir);
  mkdirSync(otherBinDir);
  writeProgram(join(binDir, 'image-server'), 0o755);
  writeProgram(join(binDir, 'notes.txt'), 0o644);
  mkdirSync(join(binDir, 'svg-server'));
  writeProgram(join(otherBinDir, 'image-server'), 0o755);
  writeProgram(join(otherBinDir, 'svg-server'), 0o755);
  savedPath = process.env.PATH;
});

afterEach(() => {
  if (savedPath === undefined) {
    delete process.env.PATH;
  } else {
    process.env.PATH = savedPath;
  }
  rmSync(root, { recursive: true, force: true });
});

function componentConfig(id: ComponentId, executable: string, cwd: string, env: Record<string, string> = {}): ComponentConfig {
  return {
    id,
    name: id,
    executable,
    args: [],
    cwd,
    env,
    requiredFiles: [],
    port: 8080,
    readiness: { protocol: 'tcp', host: '127.0.0.1', path: '/' },
    startPriority: 1,
    startDelay: 5,
    startTimeout: 120,
    stopTimeout: 60,
    restart: { autorestart: true, maxRestarts: 15, minUptime: 5, backoff: 0 },
    logs: { out: '/tmp/out.log', err: '/tmp/err.log' },
  };
}

/** Runs checkInstall and returns the CliError it throws. */
function installError(components: ComponentConfig[]): CliError {
  try {
    checkInstall(components, CONFIG_FILES);
  } catch (error) {
    if (error instanceof CliError) {
      return error;
    }
    throw error;
  }

  throw new Error('checkInstall passed, expected a CliError');
}

const REMEDY = 'install the missing programs, or correct the paths in /etc/imageserving/default.yaml and /etc/imageserving/staging.yaml';

describe('checkInstall', () => {
  it('passes for existing paths', () => {
    const components = [componentConfig('is', join(binDir, 'image-server'), binDir)];

    expect(() => checkInstall(components, CONFIG_FILES)).not.toThrow();
  });

  it('passes for command in component PATH', () => {
    const components = [componentConfig('svg', 'svg-server', root, { PATH: otherBinDir })];

    expect(() => checkInstall(components, CONFIG_FILES)).not.toThrow();
  });

  it('passes for command in caller PATH', () => {
    process.env.PATH = [join(root, 'missing'), otherBinDir].join(delimiter);
    const components = [componentConfig('svg', 'svg-server', root)];

    expect(() => checkInstall(components, CONFIG_FILES)).not.toThrow();
  });

  it('passes for no components', () => {
    expect(() => checkInstall([], CONFIG_FILES)).not.toThrow();
  });

  it('names the install section for built paths', () => {
    const component = { ...componentConfig('ps', join(binDir, 'catalina.sh'), join(root, 'tomcat')), programFromInstall: true as const };

    const error = installError([component]);

    expect(error.message).toBe(
      `ps: executable ${binDir}/catalina.sh not found (built from the install section)\n` +
        `ps: working folder ${root}/tomcat not found (components.ps.cwd, or the install section)\n${REMEDY}`,
    );
  });

  it('names a missing required file', () => {
    writeFileSync(join(binDir, 'java'), '#!/bin/sh\n', { mode: 0o755 });
    const component = { ...componentConfig('svg', join(binDir, 'java'), binDir), requiredFiles: [join(root, 'svg.jar')] };

    expect(installError([component]).message).toBe(
      `svg: ${root}/svg.jar not found or not readable (set by the install section)\n${REMEDY}`,
    );
  });

  it('names missing executable', () => {
    const error = installError([componentConfig('ps', join(binDir, 'catalina.sh'), binDir)]);

    expect(error.message).toBe(`ps: executable ${binDir}/catalina.sh not found (components.ps.executable)\n${REMEDY}`);
    expect(error.exitCode).toBe(5);
  });

  it('rejects file without execute bit', () => {
    const error = installError([componentConfig('ps', join(binDir, 'notes.txt'), binDir)]);

    expect(error.message).toBe(`ps: executable ${binDir}/notes.txt is not executable (chmod +x it) (components.ps.executable)\n${REMEDY}`);
    expect(error.exitCode).toBe(5);
  });

  it('rejects folder as executable', () => {
    const error = installError([componentConfig('svg', join(binDir, 'svg-server'), binDir)]);

    expect(error.message).toBe(`svg: executable ${binDir}/svg-server is not a file (components.svg.executable)\n${REMEDY}`);
    expect(error.exitCode).toBe(5);
  });

  it('names command not in PATH', () => {
    // The component's PATH replaces the caller's, so svg-server in otherBinDir is not found.
    process.env.PATH = otherBinDir;
    const error = installError([componentConfig('svg', 'svg-server', root, { PATH: binDir })]);

    expect(error.message).toBe(`svg: command "svg-server" not found in PATH (components.svg.executable)\n${REMEDY}`);
    expect(error.exitCode).toBe(5);
  });

  it('names missing working folder', () => {
    const error = installError([componentConfig('is', join(binDir, 'image-server'), join(root, 'work'))]);

    expect(error.message).toBe(`is: working folder ${root}/work not found (components.is.cwd)\n${REMEDY}`);
    expect(error.exitCode).toBe(5);
  });

  it('rejects file as working folder', () => {
    const error = installError([componentConfig('is', join(binDir, 'image-server'), join(binDir, 'notes.txt'))]);

    expect(error.message).toBe(`is: working folder ${binDir}/notes.txt not found (components.is.cwd)\n${REMEDY}`);
    expect(error.exitCode).toBe(5);
  });

  it('names every problem', () => {
    process.env.PATH = binDir;
    const components = [
      componentConfig('ps', '/opt/scene7/tomcat/bin/catalina.sh', '/opt/scene7/tomcat'),
      componentConfig('is', join(binDir, 'image-server'), binDir),
      componentConfig('svg', 'java', join(root, 'svg')),
    ];

    const error = installError(components);

    expect(error.message).toBe(
      [
        'ps: executable /opt/scene7/tomcat/bin/catalina.sh not found (components.ps.executable)',
        'ps: working folder /opt/scene7/tomcat not found (components.ps.cwd)',
        'svg: command "java" not found in PATH (components.svg.executable)',
        `svg: working folder ${root}/svg not found (components.svg.cwd)`,
        REMEDY,
      ].join('\n'),
    );
    expect(error.exitCode).toBe(5);
  });
});

describe('findInPath', () => {
  it('finds command in PATH', () => {
    expect(findInPath('image-server', binDir)).toBe(join(binDir, 'image-server'));
  });

  it('returns first match', () => {
    const path = [otherBinDir, binDir].join(delimiter);

    expect(findInPath('image-server', path)).toBe(join(otherBinDir, 'image-server'));
  });

  it('skips folder with command name', () => {
    const path = [binDir, otherBinDir].join(delimiter);

    expect(findInPath('svg-server', path)).toBe(join(otherBinDir, 'svg-server'));
  });

  it('skips file without execute bit', () => {
    expect(findInPath('notes.txt', binDir)).toBeUndefined();
  });

  it('skips empty and missing entries', () => {
    const path = ['', join(root, 'missing'), otherBinDir].join(delimiter);

    expect(findInPath('svg-server', path)).toBe(join(otherBinDir, 'svg-server'));
  });

  it('returns undefined when absent', () => {
    expect(findInPath('java', [binDir, otherBinDir].join(delimiter))).toBeUndefined();
  });

  it('returns undefined without PATH', () => {
    expect(findInPath('image-server', undefined)).toBeUndefined();
    expect(findInPath('image-server', '')).toBeUndefined();
  });
});
