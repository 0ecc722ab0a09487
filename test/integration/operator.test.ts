import { execFile, spawn } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { CLI, jsonStatus, requirePid, Sandbox, sleep } from './harness';
import { spawnCli } from './spawn-cli';

/** Strips ANSI control sequences, so a terminal UI's text can be searched. */
function plainText(output: string): string {
  // eslint-disable-next-line no-control-regex
  return output.replace(/\u001b(\[[0-9;?]*[A-Za-z]|\][^\u0007]*\u0007|[()][0-9A-Z]|[=>78])/g, '');
}

function run(command: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(command, args, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : Number(error.code), stdout, stderr });
    });
  });
}

describe('operator commands without a supervisor', () => {
  let sandbox: Sandbox;

  beforeAll(async () => {
    sandbox = await Sandbox.create();
  });

  afterAll(async () => {
    await sandbox.cleanup();
  });

  it('monit exits 7 when not running', async () => {
    const result = await sandbox.run(['monit']);

    expect(result.code).toBe(7);
    expect(result.stderr).toBe(
      `error: the supervisor is not running (home ${sandbox.home}); ` +
        `start it with "ImageServing --env test --config-dir ${sandbox.configDir} start", then run monit again\n`,
    );
    // pm2 was not run, so no daemon was spawned in the sandbox's home.
    expect(sandbox.processes()).toEqual([]);
    expect(sandbox.supervisorFilesPresent()).toEqual([]);
  });

  it('logs --reopen without supervisor succeeds', async () => {
    const result = await sandbox.run(['logs', '--reopen']);

    expect(result.code).toBe(0);
    expect(result.stderr).toContain('so no log file is open; nothing to reopen');
    expect(sandbox.processes()).toEqual([]);
  });

  it('config validate accepts a valid config', async () => {
    const result = await sandbox.run(['config', 'validate']);

    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      `configuration valid: environment test, files ${join(sandbox.configDir, 'default.yaml')}, ${join(sandbox.configDir, 'test.yaml')}\n`,
    );
    expect(result.stderr).toBe('');
  });

  it('config validate prints what start prints', async () => {
    sandbox.writeEnvironment('broken', { ps: { stopTimeout: '"60"' } });

    const validate = await sandbox.run(['--env', 'broken', 'config', 'validate']);
    const start = await sandbox.run(['--env', 'broken', 'start']);

    expect(validate.code).toBe(6);
    expect(validate.stderr).toContain('components.ps.stopTimeout: wrong type (got string "60"');
    expect(validate.stderr).toBe(start.stderr);
    expect(start.code).toBe(6);
    expect(sandbox.processes()).toEqual([]);
  });

  it('config validate warns on missing programs', async () => {
    sandbox.writeEnvironment('uninstalled', { is: { executable: join(sandbox.root, 'no-such-server') } });

    const result = await sandbox.run(['--env', 'uninstalled', 'config', 'validate']);

    expect(result.code).toBe(0);
    expect(result.stderr).toContain(`warning: is: executable ${join(sandbox.root, 'no-such-server')} not found (components.is.executable)`);
    expect(result.stderr).toContain('"start" would exit 5 on this machine until these paths exist');
  });

  it('config show masks secret variables', async () => {
    sandbox.writeEnvironment('secrets', { ps: { env: '{ DB_PASSWORD: hunter2, api_token: abc, JAVA_OPTS: "-Xmx1g" }' } });

    const result = await sandbox.run(['--env', 'secrets', 'config', 'show', '--json']);
    const document = JSON.parse(result.stdout) as {
      configDirChosenBy: string;
      components: { id: string; env: Record<string, string> }[];
      pm2: { apps: { name: string; env: Record<string, string>; kill_timeout: number }[] };
    };

    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain('hunter2');
    expect(result.stdout).not.toContain('"abc"');
    expect(document.configDirChosenBy).toBe('IMAGESERVING_CONFIG_DIR');
    const psApp = document.pm2.apps.find((app) => app.name === 'ps');
    expect(psApp?.env).toMatchObject({ DB_PASSWORD: '********', api_token: '********', JAVA_OPTS: '-Xmx1g' });
    expect(psApp?.kill_timeout).toBe(5000);
    expect(document.components.find((component) => component.id === 'ps')?.env.DB_PASSWORD).toBe('********');
  });

  it('startup unit passes systemd-analyze verify', async () => {
    const unitFolder = join(sandbox.root, 'units');
    mkdirSync(unitFolder);
    const unitFile = join(unitFolder, 'imageserving.service');

    const result = await sandbox.run(['startup', '--user', 'root', '--write', unitFile]);
    const verify = await run('/usr/bin/systemd-analyze', ['verify', unitFile]);
    const unit = readFileSync(unitFile, 'utf8');

    expect(result.code).toBe(0);
    expect(result.stderr).toContain(`wrote ${unitFile}; activate it with: systemctl daemon-reload && systemctl enable --now imageserving.service`);
    // verify reports parse problems on stderr but still exits 0, so both are checked.
    expect(verify.stderr).toBe('');
    expect(verify.code).toBe(0);
    expect(unit).toContain(`ExecStart=${process.execPath} ${CLI} start\n`);
    expect(unit).toContain(`ExecStop=${process.execPath} ${CLI} stop\n`);
    expect(unit).toContain(`Environment=IMAGESERVING_CONFIG_DIR=${sandbox.configDir}\n`);
    expect(unit).toContain('Environment=IMAGESERVING_ENV=test\n');
  });
});

describe('operator commands on a running supervisor', () => {
  let sandbox: Sandbox;

  beforeAll(async () => {
    sandbox = await Sandbox.create();
    expect((await sandbox.run(['start'])).code).toBe(0);
  });

  afterAll(async () => {
    await sandbox.cleanup();
  });

  it('status --watch repeats until SIGINT', async () => {
    const watch = spawnCli(sandbox, ['status', '--watch', '1']);

    try {
      // Four headers mean that the three reports before the last one are complete.
      const output = await watch.waitForStdout((text) => text.split('every 1s: ImageServing status').length > 4);

      expect(await watch.interrupt('SIGINT')).toBe(0);
      // Not a terminal, so the screen is not cleared between reports.
      expect(output).not.toContain('\u001b[2J');
      const reports = output.split('every 1s: ImageServing status (Ctrl-C to stop)').slice(1);
      expect(reports.length).toBeGreaterThanOrEqual(3);
      for (const report of reports.slice(0, 3)) {
        expect(report).toMatch(/\nImage Serving \(test\) - supervisor PM2 7\.0\.4, pid \d+/);
        expect(report).toMatch(/\nsvg\s+SVG server\s+online\s+ok\s+\d+/);
      }
    } finally {
      await watch.interrupt('SIGKILL');
    }
  });

  it('status --watch rejects --json', async () => {
    const result = await sandbox.run(['status', '--watch', '--json']);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('status --watch redraws the table and takes no --json');
  });

  it('monit opens pm2 monit in a terminal', async () => {
    const before = await jsonStatus(sandbox);
    const daemon = requirePid(before.supervisor.pid);
    // script(1) gives the command a terminal of 120x40; "q" is pm2 monit's key to quit.
    const command = `stty cols 120 rows 40; exec ${process.execPath} ${CLI} monit`;
    const child = spawn('script', ['-qfec', command, '/dev/null'], { env: { ...sandbox.environment(), TERM: 'xterm' }, detached: true });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

    try {
      const drawn = (): boolean => /\[\s*\d+\]\s*svg/.test(plainText(output)) && plainText(output).includes('Namespaceimageserving');
      for (let waited = 0; waited < 20_000 && !drawn(); waited += 100) {
        await sleep(100);
      }
      // The dashboard lists the sandbox's apps in their namespace, so it reads this supervisor.
      expect(output).toContain('PM2 Dashboard');
      expect(plainText(output)).toContain('Namespaceimageserving');
      expect(plainText(output)).toMatch(/\[\s*\d+\]\s*svg/);
      expect(plainText(output)).toMatch(/\[\s*\d+\]\s*ps/);
      child.stdin.write('q');

      expect(await exited).toBe(0);
      const after = await jsonStatus(sandbox);
      expect(after.supervisor.pid).toBe(daemon);
      expect(after.components.map((component) => component.state)).toEqual(['online', 'online', 'online']);
    } finally {
      if (child.exitCode === null) {
        process.kill(-requirePid(child.pid), 'SIGKILL');
      }
    }
  });
});
