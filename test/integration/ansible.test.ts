import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { commandLine, isAlive, jsonStatus, PACKAGE_ROOT, requirePid, runProgram, Sandbox, type JsonStatus } from './harness';

const PLAYBOOKS = join(PACKAGE_ROOT, 'deploy', 'ansible');
const available = (process.env.PATH ?? '')
  .split(delimiter)
  .some((folder) => folder !== '' && existsSync(join(folder, 'ansible-playbook')));
// CI sets this, so that a missing Ansible fails the run instead of skipping these tests.
const required = process.env.IMAGESERVING_REQUIRE_ANSIBLE === '1';

/** Counts of the PLAY RECAP line of localhost, such as { ok: 16, changed: 0, failed: 0 }. */
function recapOf(output: string): Record<string, number> {
  const recap = output.slice(output.lastIndexOf('PLAY RECAP'));
  const line = /^localhost\s+:\s+(.+)$/m.exec(recap)?.[1] ?? '';

  return Object.fromEntries(
    line
      .trim()
      .split(/\s+/)
      .filter((pair) => pair.includes('='))
      .map((pair) => {
        const [key, value] = pair.split('=');
        return [key, Number(value)];
      }),
  );
}

function pidsOf(status: JsonStatus): Record<string, number | null> {
  return Object.fromEntries(status.components.map((component) => [component.id, component.pid]));
}

describe.skipIf(!available && !required)('Ansible role and playbooks', () => {
  let sandbox: Sandbox;
  let environmentFile: string;
  let configDir: string;
  let inventory: string;
  let installed: string;
  let ansibleEnvironment: NodeJS.ProcessEnv;

  /** Runs one of the shipped playbooks against localhost; the output is stdout and stderr together. */
  async function playbook(name: string): Promise<{ code: number; output: string; recap: Record<string, number> }> {
    const result = await runProgram('ansible-playbook', ['-i', inventory, join(PLAYBOOKS, name)], {
      cwd: sandbox.root,
      env: ansibleEnvironment,
    });
    const output = `${result.stdout}${result.stderr}`;

    return { code: result.code, output, recap: recapOf(output) };
  }

  beforeAll(async () => {
    if (!available) {
      throw new Error("ansible-playbook not found: install Debian's ansible-core package");
    }
    sandbox = await Sandbox.create();
    const { root } = sandbox;
    const prefix = join(root, 'prefix');
    installed = join(prefix, 'lib', 'node_modules', 'imageserving');
    configDir = join(root, 'etc');

    // npm test has just built dist/, so the pack skips the prepare script and its second build.
    const packed = await runProgram('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', root], { cwd: PACKAGE_ROOT });
    expect(packed.code, packed.stderr).toBe(0);
    const [manifest] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as { filename: string }[];

    // The sandbox's own folder gets the same YAML, so that its status and cleanup reach the installed stack.
    sandbox.writeEnvironment('test', {
      ps: { executable: join(installed, 'standins', 'platform-server.js') },
      is: { executable: join(installed, 'standins', 'image-server.js') },
      svg: { executable: join(installed, 'standins', 'svg-server.js') },
    });
    mkdirSync(join(root, 'files'));
    environmentFile = join(root, 'files', 'test.yaml');
    copyFileSync(join(sandbox.configDir, 'test.yaml'), environmentFile);

    const account = userInfo();
    const variables = {
      ansible_connection: 'local',
      ansible_python_interpreter: 'auto_silent',
      ansible_become: false,
      imageserving_package: join(root, manifest.filename),
      imageserving_environment: 'test',
      imageserving_environment_file: environmentFile,
      imageserving_config_dir: configDir,
      imageserving_prefix: prefix,
      imageserving_staging_dir: join(root, 'staging'),
      imageserving_account: account.username,
      imageserving_create_account: false,
      imageserving_config_owner: account.username,
      imageserving_config_group: String(account.gid),
      imageserving_npm_options: ['--no-audit', '--no-fund', '--prefer-offline'],
    };
    inventory = join(root, 'inventory.yml');
    // JSON is YAML, so Ansible reads this as a YAML inventory.
    writeFileSync(inventory, JSON.stringify({ imageserving: { hosts: { localhost: variables } } }, null, 2));

    // Ansible's settings, state and temporary files stay in the sandbox, away from ~/.ansible and /etc/ansible.
    const ansibleHome = join(root, 'ansible');
    writeFileSync(join(root, 'ansible.cfg'), '[defaults]\n');
    ansibleEnvironment = {
      ...process.env,
      ANSIBLE_CONFIG: join(root, 'ansible.cfg'),
      ANSIBLE_HOME: ansibleHome,
      ANSIBLE_LOCAL_TEMP: join(ansibleHome, 'tmp'),
      ANSIBLE_REMOTE_TEMP: join(ansibleHome, 'remote-tmp'),
      ANSIBLE_NOCOLOR: '1',
      ANSIBLE_RETRY_FILES_ENABLED: '0',
    };
    for (const name of ['IMAGESERVING_ENV', 'IMAGESERVING_CONFIG_DIR', 'PM2_HOME']) {
      delete ansibleEnvironment[name];
    }
  });

  afterAll(async () => {
    await sandbox?.cleanup();
  });

  it('site playbook starts, then changes nothing', { timeout: 300_000 }, async () => {
    const first = await playbook('site.yml');
    expect(first.code, first.output).toBe(0);
    const started = await jsonStatus(sandbox);

    const second = await playbook('site.yml');
    const after = await jsonStatus(sandbox);

    expect(first.recap.failed).toBe(0);
    expect(first.recap.changed).toBeGreaterThan(0);
    expect(readFileSync(join(configDir, 'test.yaml'), 'utf8')).toBe(readFileSync(environmentFile, 'utf8'));
    expect(existsSync(join(configDir, 'default.yaml'))).toBe(true);
    for (const component of started.components) {
      expect(component.state).toBe('online');
      expect(component.health).toBe('ok');
      expect(commandLine(requirePid(component.pid)).join(' ')).toContain(join(installed, 'standins'));
    }

    expect(second.code, second.output).toBe(0);
    expect(second.recap.failed).toBe(0);
    expect(second.recap.changed, second.output).toBe(0);
    expect(pidsOf(after)).toEqual(pidsOf(started));
    expect(after.supervisor.pid).toBe(started.supervisor.pid);
  });

  it('rolling restart validates, then replaces', { timeout: 300_000 }, async () => {
    const before = await jsonStatus(sandbox);
    const valid = readFileSync(environmentFile, 'utf8');
    writeFileSync(environmentFile, valid.replace(/stopTimeout: 5/g, 'stopTimeout: "5"'));

    const rejected = await playbook('rolling-restart.yml');
    const untouched = await jsonStatus(sandbox);

    expect(rejected.code).not.toBe(0);
    expect(rejected.output).toMatch(/components\.svg\.stopTimeout: wrong type \(got string \\?"5\\?"/);
    expect(rejected.recap.failed).toBe(1);
    expect(pidsOf(untouched)).toEqual(pidsOf(before));
    expect(readFileSync(join(configDir, 'test.yaml'), 'utf8')).toBe(valid);

    writeFileSync(environmentFile, valid);
    const restarted = await playbook('rolling-restart.yml');
    const after = await jsonStatus(sandbox);

    expect(restarted.code, restarted.output).toBe(0);
    expect(restarted.recap.failed).toBe(0);
    expect(restarted.recap.changed).toBeGreaterThan(0);
    expect(after.supervisor.pid).not.toBe(before.supervisor.pid);
    for (const [index, component] of after.components.entries()) {
      const old = requirePid(before.components[index].pid);
      expect(component.state).toBe('online');
      expect(component.health).toBe('ok');
      expect(requirePid(component.pid)).not.toBe(old);
      expect(isAlive(old)).toBe(false);
    }
  });
});
