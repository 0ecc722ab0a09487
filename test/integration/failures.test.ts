import { chownSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

import type { ChangeReport } from '../../src/status/changes';
import { CLI, isAlive, jsonStatus, PACKAGE_ROOT, requirePid, runNode, Sandbox } from './harness';

const CRASH_ON_START = join(PACKAGE_ROOT, 'test', 'fixtures', 'crash-on-start.js');

describe('failures and guards', () => {
  let sandbox: Sandbox | undefined;

  afterEach(async () => {
    await sandbox?.cleanup();
    sandbox = undefined;
  });

  it('start fails for a crashing component', async () => {
    sandbox = await Sandbox.create();
    sandbox.writeEnvironment('test', { is: { executable: CRASH_ON_START } });

    const result = await sandbox.run(['start', '--json']);
    const status = await jsonStatus(sandbox);
    const state = Object.fromEntries(status.components.map((component) => [component.id, component.state]));
    const report = JSON.parse(result.stdout) as ChangeReport;
    const changes = Object.fromEntries(report.components.map((component) => [component.id, [component.after.state, component.changed]]));

    expect(result.code).toBe(1);
    expect(report.error).toMatch(/^is \(Image Server\) failed to start: /);
    expect(report.changed).toBe(true);
    expect(changes).toEqual({ ps: ['not started', false], is: ['stopped', true], svg: ['online', true] });
    expect(result.stderr).toMatch(/(^|error: )is \(Image Server\) failed to start: exited with code 1( and was restarted)? while starting; it is stopped now\.$/m);
    expect(result.stderr).toContain('fixture: cannot open the catalog, giving up');
    expect(result.stderr).toContain(
      `online: svg; not started: ps. Fix the failed component and run "ImageServing --env test --config-dir ${sandbox.configDir} start" again`,
    );
    expect(state).toEqual({ is: 'stopped', svg: 'online', ps: 'not started' });
  });

  it('start reports a missing executable', async () => {
    sandbox = await Sandbox.create();
    const missing = join(sandbox.root, 'nowhere', 'ImageServer64');
    sandbox.writeEnvironment('test', { is: { executable: missing } });

    const result = await sandbox.run(['start', '--json']);
    const report = JSON.parse(result.stdout) as ChangeReport;

    expect(result.code).toBe(5);
    expect(result.stderr).toContain(`is: executable ${missing} not found (components.is.executable)`);
    expect(report.error).toContain(`is: executable ${missing} not found`);
    expect(report.changed).toBe(false);
    expect(report.components.map((component) => component.before.state)).toEqual(['not running', 'not running', 'not running']);
    expect(existsSync(sandbox.home)).toBe(false);
  });

  it('production start without an install exits 5', async () => {
    const varLib = '/var/lib/imageserving';
    const existedBefore = existsSync(varLib);
    const env: NodeJS.ProcessEnv = { ...process.env, IMAGESERVING_ENV: 'production' };
    delete env.IMAGESERVING_CONFIG_DIR;

    const result = await runNode([CLI, 'start'], env, 30_000);

    expect(result.code).toBe(5);
    expect(result.stderr).toContain(
      'ps: executable /usr/local/scene7/ImageServing/tomcat/bin/catalina.sh not found (built from the install section)',
    );
    expect(result.stderr).toContain('is: executable /usr/local/scene7/ImageServing/bin/ImageServer64 not found');
    expect(existsSync(varLib)).toBe(existedBefore);
  });

  // Handing the folder to another account takes root.
  it.skipIf(process.getuid?.() !== 0)('home of another account is rejected', async () => {
    sandbox = await Sandbox.create();
    mkdirSync(sandbox.home, { mode: 0o700 });
    chownSync(sandbox.home, 65534, 65534);

    const result = await sandbox.run(['start']);

    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      new RegExp(`the supervisor home ${sandbox.home} belongs to \\S+ \\(uid 65534\\), not to this account \\(uid 0\\), and no supervisor runs there now`),
    );
    expect(result.stderr).toContain('sudo -u ');
    expect(sandbox.processes()).toEqual([]);
    expect(sandbox.supervisorFilesPresent()).toEqual([]);
  });

  it('restart of a component needs the supervisor', async () => {
    sandbox = await Sandbox.create();

    const result = await sandbox.run(['restart', 'is']);

    expect(result.code).toBe(7);
    expect(result.stderr).toContain(`the supervisor is not running (home ${sandbox.home})`);
    expect(sandbox.processes()).toEqual([]);
  });

  it('status never spawns a supervisor', async () => {
    sandbox = await Sandbox.create();

    const text = await sandbox.run(['status']);
    const json = await sandbox.run(['status', 'svg', '--json']);

    expect(text.code).toBe(3);
    expect(json.code).toBe(3);
    expect(JSON.parse(json.stdout)).toEqual({
      environment: 'test',
      supervisor: { running: false, pid: null, uptimeSeconds: null, pm2Version: null, home: sandbox.home },
      components: [],
      orphans: [],
    });
    expect(existsSync(sandbox.home)).toBe(false);
    expect(sandbox.processes()).toEqual([]);
  });

  it('killed supervisor counts as not running', async () => {
    sandbox = await Sandbox.create();
    expect((await sandbox.run(['start'])).code).toBe(0);
    const before = await jsonStatus(sandbox);

    for (const pid of sandbox.processes()) {
      process.kill(pid, 'SIGKILL');
    }
    const status = await sandbox.run(['status']);
    const filesAfterStatus = sandbox.supervisorFilesPresent();
    const start = await sandbox.run(['start']);
    const after = await jsonStatus(sandbox);

    expect(isAlive(requirePid(before.supervisor.pid))).toBe(false);
    expect(status.code).toBe(3);
    expect(status.stdout).toContain('the supervisor is not running');
    expect(filesAfterStatus).toEqual(['rpc.sock', 'pub.sock', 'pm2.pid']);
    expect(start.code).toBe(0);
    expect(start.stderr).toContain('removed the socket and pid files of a supervisor that is no longer running');
    expect(after.components.map((component) => component.state)).toEqual(['online', 'online', 'online']);
    expect(after.supervisor.pid).not.toBe(before.supervisor.pid);
  });

  it('stale pid file of another program', async () => {
    sandbox = await Sandbox.create();
    expect((await sandbox.run(['start'])).code).toBe(0);
    for (const pid of sandbox.processes()) {
      process.kill(pid, 'SIGKILL');
    }
    // After a reboot the recorded pid can belong to any program; here it is the test runner.
    writeFileSync(join(sandbox.home, 'pm2.pid'), String(process.pid));

    const start = await sandbox.run(['start']);

    expect(start.code).toBe(0);
    expect(start.stderr).toContain('removed the socket and pid files of a supervisor that is no longer running');
    expect(isAlive(process.pid)).toBe(true);
  });

  it('hung supervisor gives exit 4', async () => {
    sandbox = await Sandbox.create();
    sandbox.writeEnvironment('test', { supervisor: { callTimeout: '2' } });
    expect((await sandbox.run(['start'])).code).toBe(0);
    const daemon = requirePid((await jsonStatus(sandbox)).supervisor.pid);

    process.kill(daemon, 'SIGSTOP');
    try {
      const status = await sandbox.run(['status'], {}, 20_000);
      const json = await sandbox.run(['status', '--json'], {}, 20_000);
      const restart = await sandbox.run(['restart', 'is'], {}, 20_000);
      const start = await sandbox.run(['start'], {}, 20_000);
      const stop = await sandbox.run(['stop'], {}, 20_000);

      expect(status.code).toBe(4);
      expect(status.stderr).toContain('the supervisor did not list the components within 2 s (PM2 call getMonitorData)');
      expect(status.stderr).toContain(`kill the PM2 daemon whose pid is in ${sandbox.home}/pm2.pid, then run stop and start`);
      expect(json.code).toBe(4);
      const document = JSON.parse(json.stdout) as { supervisor: { running: boolean; pid: number }; error: string };
      expect(document.supervisor.running).toBe(true);
      expect(document.supervisor.pid).toBe(daemon);
      expect(document.error).toContain('the supervisor did not list the components within 2 s');
      expect(restart.code).toBe(1);
      expect(restart.stderr).toMatch(/the supervisor did not [a-z ]+ within 2 s \(PM2 call \w+\)/);
      for (const result of [start, stop]) {
        expect(result.code).toBe(1);
        expect(result.stderr).toMatch(/the supervisor did not [a-z ]+ within 2 s \(PM2 call \w+\)/);
      }
    } finally {
      process.kill(daemon, 'SIGCONT');
    }
    expect((await sandbox.run(['status'])).code).toBe(0);
  });

  it('usage errors exit 2', async () => {
    sandbox = await Sandbox.create();

    const cases = [
      { args: ['launch'], message: "error: unknown command 'launch'" },
      { args: ['status', 'tomcat'], message: "Allowed choices are ps, is, svg." },
      { args: ['restart', 'imageserver'], message: "Allowed choices are ps, is, svg." },
      { args: ['status', 'is', 'svg'], message: "error: too many arguments for 'status'" },
      { args: ['stop', 'now'], message: "error: too many arguments for 'stop'" },
      { args: [], message: 'Usage: ImageServing [options] [command]' },
    ];

    for (const { args, message } of cases) {
      const result = await sandbox.run(args);
      expect({ args, code: result.code }).toEqual({ args, code: 2 });
      expect(result.stderr).toContain(message);
    }
    expect(existsSync(sandbox.home)).toBe(false);
  });

  it('pm2 starts the compiled ecosystem file', async () => {
    sandbox = await Sandbox.create();

    const start = await sandbox.runPm2(['start', join(PACKAGE_ROOT, 'dist', 'ecosystem.config.js')]);
    const list = await sandbox.runPm2(['jlist']);
    const apps = JSON.parse(list.stdout.trimEnd().split('\n').pop() ?? '') as {
      name: string;
      pid: number;
      pm2_env: { status: string; kill_timeout: number; exec_interpreter: string };
    }[];

    expect(start.code).toBe(0);
    expect(apps.map((app) => app.name).sort()).toEqual(['is', 'ps', 'svg']);
    for (const app of apps) {
      expect(app.pm2_env.status).toBe('online');
      expect(app.pm2_env.kill_timeout).toBe(5000);
      expect(app.pm2_env.exec_interpreter).toBe('none');
    }
    const log = readFileSync(join(sandbox.home, 'logs', 'is-out.log'), 'utf8');
    expect(log).toMatch(/Image Server \[pid \d+\]: listening on 127\.0\.0\.1:\d+/);

    expect((await sandbox.runPm2(['kill'])).code).toBe(0);
  });
});
