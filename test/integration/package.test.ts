import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { StatusReport } from '../../src/status/report';
import { commandLine, PACKAGE_ROOT, requirePid, runProgram as run, Sandbox } from './harness';

describe('npm pack and global install', () => {
  let folder: string;
  let sandbox: Sandbox;

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'imageserving-pack-'));
    sandbox = await Sandbox.create();
  });

  afterAll(async () => {
    await sandbox.cleanup();
    rmSync(folder, { recursive: true, force: true });
  });

  it('installed command runs the stack', { timeout: 300_000 }, async () => {
    const packed = await run('npm', ['pack', '--json', '--pack-destination', folder], { cwd: PACKAGE_ROOT });
    expect(packed.stderr).not.toMatch(/npm (ERR|error)/);
    expect(packed.code).toBe(0);
    const [manifest] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as { filename: string; files: { path: string; mode: number }[] }[];
    const files = new Map(manifest.files.map((file) => [file.path, file.mode]));

    // prepare builds dist/ before packing; sources and tests stay out of the tarball.
    for (const path of ['dist/bundle/cli.js', 'dist/ecosystem.config.js', 'config/default.yaml', 'config/production.yaml', 'standins/image-server.js', 'deploy/logrotate/imageserving', 'deploy/ansible/site.yml', 'deploy/ansible/roles/imageserving/tasks/main.yml', 'README.md', 'README.it.md']) {
      expect(files.has(path), path).toBe(true);
    }
    expect([...files.keys()].filter((path) => path.startsWith('src/') || path.startsWith('test/'))).toEqual([]);
    expect((files.get('standins/image-server.js') ?? 0) & 0o111).not.toBe(0);

    const prefix = join(folder, 'prefix');
    const install = await run('npm', ['install', '--global', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', join(folder, manifest.filename)]);
    expect(install.stderr).not.toMatch(/npm (ERR|error)/);
    expect(install.code).toBe(0);

    const bin = join(prefix, 'bin', 'ImageServing');
    const installed = join(prefix, 'lib', 'node_modules', 'imageserving');
    const { version } = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string };
    expect((await run(bin, ['--version'])).stdout).toBe(`${version}\n`);

    // Without --config-dir or the variable: /etc/imageserving when it exists, else the packaged config/.
    const bare = { PATH: process.env.PATH, HOME: sandbox.root };
    const chosen = JSON.parse((await run(bin, ['config', 'show', '--json'], { env: bare })).stdout) as { configDir: string };
    expect(chosen.configDir).toBe(existsSync('/etc/imageserving') ? '/etc/imageserving' : join(installed, 'config'));

    sandbox.writeEnvironment('test', {
      ps: { executable: join(installed, 'standins', 'platform-server.js') },
      is: { executable: join(installed, 'standins', 'image-server.js') },
      svg: { executable: join(installed, 'standins', 'svg-server.js') },
    });
    const env = sandbox.environment();
    const start = await run(bin, ['start'], { env });
    expect(start.stderr).toContain('Image Serving (test) is running');
    expect(start.code).toBe(0);

    const status = JSON.parse((await run(bin, ['status', '--json'], { env })).stdout) as StatusReport;
    expect(status.components.map((component) => component.state)).toEqual(['online', 'online', 'online']);
    for (const component of status.components) {
      expect(commandLine(requirePid(component.pid)).join(' ')).toContain(join(installed, 'standins'));
    }

    const stop = await run(bin, ['stop'], { env });
    expect(stop.code).toBe(0);
    expect(sandbox.processes()).toEqual([]);
  });
});
