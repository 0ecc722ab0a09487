import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

import { commandLine, findProcesses, isAlive, jsonStatus, PACKAGE_ROOT, requirePid, Sandbox } from './harness';

const IGNORE_SIGTERM = join(PACKAGE_ROOT, 'test', 'fixtures', 'ignore-sigterm.js');
const DETACHING_WRAPPER = join(PACKAGE_ROOT, 'test', 'fixtures', 'detaching-wrapper.sh');

/** Pids of the processes that carry a component's marker variables. */
function markedProcesses(sandbox: Sandbox, component: string): number[] {
  return findProcesses(
    (environ) => environ.includes(`IMAGESERVING_HOME=${sandbox.home}`) && environ.includes(`IMAGESERVING_COMPONENT=${component}`),
  );
}

function environmentOf(pid: number): Map<string, string> {
  const entries = readFileSync(`/proc/${pid}/environ`, 'utf8')
    .split('\0')
    .filter((entry) => entry.includes('='))
    .map((entry): [string, string] => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]);

  return new Map(entries);
}

describe('supervision details', () => {
  let sandbox: Sandbox | undefined;

  afterEach(async () => {
    await sandbox?.cleanup();
    sandbox = undefined;
  });

  it('components get only the configured environment', async () => {
    sandbox = await Sandbox.create();
    sandbox.writeEnvironment('test', { is: { env: '{ CATALINA_OPTS: "-Xmx1g", IS_MODE: "64" }' } });

    const start = await sandbox.run(['start'], { OPERATOR_SECRET: 'from-the-shell', CATALINA_OPTS: '-Xmx99g' });
    const is = (await jsonStatus(sandbox)).components.find((component) => component.id === 'is');
    const environment = environmentOf(requirePid(is?.pid));

    expect(start.code).toBe(0);
    expect(environment.has('OPERATOR_SECRET')).toBe(false);
    expect(environment.get('CATALINA_OPTS')).toBe('-Xmx1g');
    expect(environment.get('IS_MODE')).toBe('64');
    expect(environment.get('PATH')).toBe(process.env.PATH);
    expect(environment.get('IMAGESERVING_COMPONENT')).toBe('is');
  });

  it('supervisor gets a minimal environment', async () => {
    sandbox = await Sandbox.create();

    await sandbox.run(['start'], { OPERATOR_SECRET: 'from-the-shell' });
    const daemon = environmentOf(requirePid((await jsonStatus(sandbox)).supervisor.pid));

    expect(daemon.has('OPERATOR_SECRET')).toBe(false);
    expect(daemon.get('PM2_KILL_SIGNAL')).toBe('SIGTERM');
    expect(daemon.get('PM2_HOME')).toBe(sandbox.home);
  });

  it('stop reports a forced kill', async () => {
    sandbox = await Sandbox.create();
    sandbox.writeEnvironment('test', { svg: { executable: IGNORE_SIGTERM, args: '[]', port: undefined, stopTimeout: '2' } });
    expect((await sandbox.run(['start'])).code).toBe(0);
    const svg = requirePid((await jsonStatus(sandbox)).components.find((component) => component.id === 'svg')?.pid);

    const stop = await sandbox.run(['stop']);

    expect(stop.code).toBe(0);
    expect(stop.stderr).toMatch(new RegExp(`^svg\\s+SVG server\\s+killed by SIGKILL \\(pid ${svg}\\) after its 2\\.0 s stop timeout$`, 'm'));
    expect(stop.stderr).toMatch(/^is\s+Image Server\s+stopped on its own \(pid \d+, exited with code 0 after [\d.]+ s\)$/m);
    expect(isAlive(svg)).toBe(false);
  });

  it('stop names the signal that ended a component', async () => {
    sandbox = await Sandbox.create();
    // sleep keeps the default action for SIGTERM, so the signal itself ends it.
    sandbox.writeEnvironment('test', { svg: { executable: 'sleep', args: '["300"]', port: undefined } });
    expect((await sandbox.run(['start'])).code).toBe(0);
    const svg = requirePid((await jsonStatus(sandbox)).components.find((component) => component.id === 'svg')?.pid);

    const stop = await sandbox.run(['stop']);

    expect(stop.code).toBe(0);
    expect(stop.stderr).toMatch(new RegExp(`^svg\\s+SVG server\\s+stopped on its own \\(pid ${svg}, ended by SIGTERM after [\\d.]+ s\\)$`, 'm'));
  });

  it('stop ends processes a wrapper detached', async () => {
    sandbox = await Sandbox.create();
    sandbox.writeEnvironment('test', { is: { executable: DETACHING_WRAPPER, args: '[]', port: undefined } });
    expect((await sandbox.run(['start'])).code).toBe(0);
    const helper = markedProcesses(sandbox, 'is').find((pid) => commandLine(pid).join(' ') === 'sleep 300');

    const stop = await sandbox.run(['stop']);

    expect(helper).toBeGreaterThan(0);
    expect(stop.code).toBe(0);
    expect(stop.stderr).toMatch(new RegExp(`^is\\s+Image Server\\s+ended leftover process ${helper} \\(sleep 300\\) with SIGTERM$`, 'm'));
    expect(markedProcesses(sandbox, 'is')).toEqual([]);
  });

  it('restart of a component ends its leftovers', async () => {
    sandbox = await Sandbox.create();
    sandbox.writeEnvironment('test', { is: { executable: DETACHING_WRAPPER, args: '[]', port: undefined } });
    expect((await sandbox.run(['start'])).code).toBe(0);
    const helpersBefore = markedProcesses(sandbox, 'is').filter((pid) => commandLine(pid).join(' ') === 'sleep 300');

    const restart = await sandbox.run(['restart', 'is']);
    const helpersAfter = markedProcesses(sandbox, 'is').filter((pid) => commandLine(pid).join(' ') === 'sleep 300');

    expect(helpersBefore).toHaveLength(1);
    expect(restart.code).toBe(0);
    expect(helpersAfter).toHaveLength(1);
    expect(helpersAfter[0]).not.toBe(helpersBefore[0]);
    expect(isAlive(helpersBefore[0])).toBe(false);
  });

  it('orphans of a killed supervisor are found and ended', async () => {
    sandbox = await Sandbox.create();
    expect((await sandbox.run(['start'])).code).toBe(0);
    const before = await jsonStatus(sandbox);
    const componentPids = before.components.map((component) => requirePid(component.pid));

    process.kill(requirePid(before.supervisor.pid), 'SIGKILL');
    const status = await sandbox.run(['status']);
    const statusJson = await sandbox.run(['status', '--json']);
    const start = await sandbox.run(['start']);
    const aliveAfterStart = componentPids.filter(isAlive);
    const stop = await sandbox.run(['stop']);
    const aliveAfterStop = componentPids.filter(isAlive);
    const restart = await sandbox.run(['start']);

    expect(status.code).toBe(3);
    expect(status.stdout).toContain('but 3 component process(es) still run without it:');
    expect(status.stdout).toContain(`is pid ${componentPids[1]} on port ${sandbox.ports.is}`);
    const orphans = (JSON.parse(statusJson.stdout) as { orphans: { component: string; pid: number; ports: number[] }[] }).orphans;
    expect(orphans.map((orphan) => orphan.pid).sort()).toEqual([...componentPids].sort());
    expect(orphans.find((orphan) => orphan.component === 'svg')?.ports).toEqual([sandbox.ports.svg]);
    expect(start.code).toBe(1);
    expect(start.stderr).toContain(`ps pid ${componentPids[0]} on port ${sandbox.ports.ps} (`);
    expect(start.stderr).toContain('component processes of this installation still run without a supervisor');
    expect(aliveAfterStart).toEqual(componentPids);
    expect(stop.code).toBe(0);
    expect(stop.stderr).toContain('ended 3 component process(es)');
    expect(aliveAfterStop).toEqual([]);
    expect(restart.code).toBe(0);
  });
});
