import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { ChangeReport } from '../../src/status/changes';
import { commandLine, isAlive, jsonStatus, requirePid, Sandbox, sleep, type JsonStatus } from './harness';

function pidsOf(status: JsonStatus): Record<string, number | null> {
  return Object.fromEntries(status.components.map((component) => [component.id, component.pid]));
}

describe('stack lifecycle on a real PM2 daemon', () => {
  let sandbox: Sandbox;

  beforeAll(async () => {
    sandbox = await Sandbox.create();
  });

  afterAll(async () => {
    await sandbox.cleanup();
  });

  it('start brings all three online', async () => {
    const result = await sandbox.run(['start']);

    expect(result.stderr).toMatch(/supervisor started \(PM2 daemon pid \d+/);
    for (const id of ['is', 'svg', 'ps']) {
      expect(result.stderr).toMatch(new RegExp(`^${id}\\s+.*ready \\(pid \\d+, .+ after [\\d.]+ s\\)$`, 'm'));
    }
    expect(result.code).toBe(0);
  });

  it('starts ps after is and svg', async () => {
    const status = await jsonStatus(sandbox);
    const uptime = Object.fromEntries(status.components.map((component) => [component.id, component.uptimeSeconds ?? 0]));

    // ps waits for the 1 s start delay of priority 1.
    expect(uptime.is - uptime.ps).toBeGreaterThanOrEqual(0.9);
    expect(uptime.svg - uptime.ps).toBeGreaterThanOrEqual(0.9);
  });

  it('status --json reports pid, uptime and memory', async () => {
    const status = await jsonStatus(sandbox);

    expect(status.environment).toBe('test');
    expect(status.supervisor.running).toBe(true);
    expect(status.supervisor.pm2Version).toBe('7.0.4');
    expect(status.supervisor.home).toBe(sandbox.home);
    expect(isAlive(requirePid(status.supervisor.pid))).toBe(true);
    expect(status.components.map((component) => component.id)).toEqual(['ps', 'is', 'svg']);
    for (const component of status.components) {
      expect(component.state).toBe('online');
      expect(isAlive(requirePid(component.pid))).toBe(true);
      expect(component.memoryBytes).toBeGreaterThan(1024 * 1024);
      expect(component.uptimeSeconds).toBeGreaterThan(0);
      expect(component.restarts).toBe(0);
    }
  });

  it('status uptime grows between calls', async () => {
    const before = await jsonStatus(sandbox);
    await sleep(1500);
    const after = await jsonStatus(sandbox);

    for (const [index, component] of after.components.entries()) {
      const earlier = before.components[index].uptimeSeconds ?? 0;
      expect((component.uptimeSeconds ?? 0) - earlier).toBeGreaterThanOrEqual(1);
    }
  });

  it('status prints the header and a row each', async () => {
    const result = await sandbox.run(['status']);
    const lines = result.stdout.trimEnd().split('\n');

    expect(result.code).toBe(0);
    expect(lines[0]).toMatch(new RegExp(`^Image Serving \\(test\\) - supervisor PM2 7\\.0\\.4, pid \\d+, up \\d+s, home ${sandbox.home}$`));
    expect(lines[1]).toMatch(/^ID\s+COMPONENT\s+STATE\s+HEALTH\s+PID\s+UPTIME\s+MEMORY\s+RESTARTS$/);
    expect(lines[2]).toMatch(/^ps\s+Platform Server\s+online\s+ok\s+\d+\s+\d+s\s+[\d.]+ MiB\s+0$/);
    expect(lines[3]).toMatch(/^is\s+Image Server\s+online\s+ok\s+\d+\s+\d+s\s+[\d.]+ MiB\s+0$/);
    expect(lines[4]).toMatch(/^svg\s+SVG server\s+online\s+ok\s+\d+\s+\d+s\s+[\d.]+ MiB\s+0$/);
    expect(lines).toHaveLength(5);
  });

  it('status of one component shows one row', async () => {
    const result = await sandbox.run(['status', 'is']);
    const lines = result.stdout.trimEnd().split('\n');

    expect(result.code).toBe(0);
    expect(lines).toHaveLength(3);
    expect(lines[2]).toMatch(/^is\s+Image Server\s+online/);
  });

  it('start again restarts nothing', async () => {
    const before = pidsOf(await jsonStatus(sandbox));
    const result = await sandbox.run(['start', '--json']);
    const after = pidsOf(await jsonStatus(sandbox));
    const report = JSON.parse(result.stdout) as ChangeReport;

    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/^is\s+Image Server\s+already online \(pid \d+\), left alone$/m);
    expect(result.stderr).not.toContain('supervisor started');
    expect(after).toEqual(before);
    expect(report.command).toBe('start');
    expect(report.changed).toBe(false);
    expect(report.supervisor?.changed).toBe(false);
    for (const component of report.components) {
      expect(component.before).toEqual({ state: 'online', pid: before[component.id] });
      expect(component.after).toEqual(component.before);
      expect(component.changed).toBe(false);
    }
  });

  it('restart svg replaces only svg', async () => {
    const before = await jsonStatus(sandbox);
    const result = await sandbox.run(['restart', 'svg', '--json']);
    const after = await jsonStatus(sandbox);
    const oldSvg = before.components.find((component) => component.id === 'svg');
    const newSvg = after.components.find((component) => component.id === 'svg');
    const report = JSON.parse(result.stdout) as ChangeReport;

    expect(result.code).toBe(0);
    expect(report.command).toBe('restart svg');
    expect(report.changed).toBe(true);
    expect(report.supervisor?.changed).toBe(false);
    expect(report.components).toEqual([
      { id: 'svg', name: 'SVG server', before: { state: 'online', pid: oldSvg?.pid }, after: { state: 'online', pid: newSvg?.pid }, changed: true },
    ]);
    expect(result.stderr).toMatch(/^svg\s+SVG server\s+stopped on its own \(pid \d+, exited with code 0 after [\d.]+ s\)$/m);
    expect(newSvg?.pid).not.toBe(oldSvg?.pid);
    expect(isAlive(requirePid(oldSvg?.pid))).toBe(false);
    expect(newSvg?.uptimeSeconds).toBeLessThan(oldSvg?.uptimeSeconds ?? 0);
    expect(pidsOf(after).ps).toBe(pidsOf(before).ps);
    expect(pidsOf(after).is).toBe(pidsOf(before).is);
  });

  it('restart svg applies edited arguments', async () => {
    sandbox.writeEnvironment('test', { svg: { args: `["--port", "${sandbox.ports.svg}", "-Xmx300m"]` } });

    const result = await sandbox.run(['restart', 'svg']);
    const svg = (await jsonStatus(sandbox)).components.find((component) => component.id === 'svg');

    expect(result.code).toBe(0);
    expect(commandLine(requirePid(svg?.pid))).toContain('-Xmx300m');
  });

  it('pm2 lists the three apps', async () => {
    const result = await sandbox.runPm2(['jlist']);
    // PM2 prints its banner before the JSON the first time its command runs on a PM2_HOME.
    const apps = JSON.parse(result.stdout.trimEnd().split('\n').pop() ?? '') as { name: string; pm2_env: { status: string; namespace: string } }[];

    expect(result.code).toBe(0);
    expect(apps.map((app) => app.name).sort()).toEqual(['is', 'ps', 'svg']);
    for (const app of apps) {
      expect(app.pm2_env.status).toBe('online');
      expect(app.pm2_env.namespace).toBe('imageserving');
    }
  });

  it('invalid config leaves the stack untouched', async () => {
    const before = pidsOf(await jsonStatus(sandbox));
    const valid = readFileSync(join(sandbox.configDir, 'test.yaml'), 'utf8');
    sandbox.writeEnvironment('test', { svg: { stopTimeout: '"60"' } });

    const restart = await sandbox.run(['restart', 'svg']);
    const restartAll = await sandbox.run(['restart']);
    const stop = await sandbox.run(['stop']);
    const start = await sandbox.run(['start']);
    writeFileSync(join(sandbox.configDir, 'test.yaml'), valid);
    const after = pidsOf(await jsonStatus(sandbox));

    for (const result of [restart, restartAll, stop, start]) {
      expect(result.code).toBe(6);
      expect(result.stderr).toMatch(/test\.yaml:\d+:\d+ components\.svg\.stopTimeout: wrong type \(got string "60"/);
    }
    expect(after).toEqual(before);
  });

  it('restart replaces supervisor and components', async () => {
    const before = await jsonStatus(sandbox);
    const result = await sandbox.run(['restart']);
    const after = await jsonStatus(sandbox);

    expect(result.code).toBe(0);
    expect(after.supervisor.pid).not.toBe(before.supervisor.pid);
    expect(isAlive(requirePid(before.supervisor.pid))).toBe(false);
    for (const [index, component] of after.components.entries()) {
      expect(component.state).toBe('online');
      expect(component.pid).not.toBe(before.components[index].pid);
    }
  });

  it('stop leaves no process behind', async () => {
    const before = await jsonStatus(sandbox);
    // The daemon and the three components carry this PM2_HOME in their environment.
    expect(sandbox.processes().length).toBeGreaterThanOrEqual(4);

    const result = await sandbox.run(['stop', '--json']);
    const report = JSON.parse(result.stdout) as ChangeReport;

    expect(result.code).toBe(0);
    expect(report.changed).toBe(true);
    expect(report.supervisor).toEqual({ before: { running: true, pid: before.supervisor.pid }, after: { running: false, pid: null }, changed: true });
    expect(report.components.map((component) => [component.after.state, component.changed])).toEqual([
      ['not running', true],
      ['not running', true],
      ['not running', true],
    ]);
    expect(result.stderr).toMatch(/^ps\s+Platform Server\s+stopped/m);
    expect(result.stderr).toContain('supervisor stopped');
    expect(sandbox.processes()).toEqual([]);
    expect(isAlive(requirePid(before.supervisor.pid))).toBe(false);
    for (const component of before.components) {
      expect(isAlive(requirePid(component.pid))).toBe(false);
    }
    expect(sandbox.supervisorFilesPresent()).toEqual([]);
  });

  it('status after stop reports not running', async () => {
    const result = await sandbox.run(['status']);

    expect(result.code).toBe(3);
    expect(result.stdout).toBe(
      `Image Serving (test): the supervisor is not running (home ${sandbox.home}); start it with "ImageServing --env test --config-dir ${sandbox.configDir} start"\n`,
    );
    expect(sandbox.processes()).toEqual([]);
    expect(sandbox.supervisorFilesPresent()).toEqual([]);
  });

  it('stop when nothing runs says so', async () => {
    const result = await sandbox.run(['stop', '--json']);
    const report = JSON.parse(result.stdout) as ChangeReport;

    expect(result.code).toBe(0);
    expect(result.stderr).toBe(`the supervisor is not running (home ${sandbox.home}); nothing to stop\n`);
    expect(report.changed).toBe(false);
    expect(report.supervisor?.changed).toBe(false);
  });
});
