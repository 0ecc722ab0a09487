import { describe, expect, it } from 'vitest';

import type { ComponentConfig, ComponentId, Config } from '../../../src/config/types';
import {
  buildChangeReport,
  componentChanged,
  mainOrphan,
  snapshotOf,
  unloadedChangeReport,
  type ComponentState,
  type Snapshot,
} from '../../../src/status/changes';
import type { ComponentStatus, StatusReport } from '../../../src/status/report';
import type { OrphanProcess } from '../../../src/supervisor/orphans';

const HOME = '/var/lib/imageserving/pm2';
const IDS: ComponentId[] = ['ps', 'is', 'svg'];
const NAMES: Record<ComponentId, string> = { ps: 'Platform Server', is: 'Image Server', svg: 'SVG server' };

// Only the fields the change report reads; the rest of a Config plays no part here.
const CONFIG = {
  environment: 'production',
  components: IDS.map((id) => ({ id, name: NAMES[id] }) as ComponentConfig),
} as Config;

function row(id: ComponentId, state: string, pid: number | null): ComponentStatus {
  return { id, name: NAMES[id], state, pid, uptimeSeconds: null, memoryBytes: null, restarts: 0, health: null, lastExit: null, crashLoop: null };
}

function runningReport(rows: ComponentStatus[], daemonPid = 100): StatusReport {
  return {
    environment: 'production',
    supervisor: { running: true, pid: daemonPid, uptimeSeconds: 60, pm2Version: '7.0.4', home: HOME },
    components: rows,
  };
}

function notRunningReport(orphans: OrphanProcess[]): StatusReport {
  return {
    environment: 'production',
    supervisor: { running: false, pid: null, uptimeSeconds: null, pm2Version: null, home: HOME },
    components: [],
    orphans,
  };
}

function orphan(component: string, pid: number): OrphanProcess {
  return { pid, component, command: `node ${component}.js`, ports: [] };
}

function snapshot(states: Partial<Record<ComponentId, ComponentState>>, daemonPid: number | null = 100): Snapshot {
  return {
    supervisor: { running: daemonPid !== null, pid: daemonPid },
    components: new Map(Object.entries(states) as [ComponentId, ComponentState][]),
  };
}

const ONLINE_BEFORE = { ps: { state: 'online', pid: 11 }, is: { state: 'online', pid: 12 }, svg: { state: 'online', pid: 13 } };
const STOPPED = { ps: { state: 'not running', pid: null }, is: { state: 'not running', pid: null }, svg: { state: 'not running', pid: null } };

describe('snapshotOf', () => {
  it('running supervisor gives PM2 states', () => {
    const report = runningReport([row('ps', 'online', 11), row('is', 'errored', null)]);

    const result = snapshotOf(report, IDS);

    expect(result.supervisor).toEqual({ running: true, pid: 100 });
    expect(result.components.get('ps')).toEqual({ state: 'online', pid: 11 });
    expect(result.components.get('is')).toEqual({ state: 'errored', pid: null });
    expect(result.components.get('svg')).toEqual({ state: 'not started', pid: null });
  });

  it('no supervisor gives not running or orphaned', () => {
    // 21 is the java a wrapper script (20) started; the wrapper is the main process.
    const report = notRunningReport([orphan('is', 21), orphan('is', 20)]);
    const parents = new Map([
      [20, 1],
      [21, 20],
    ]);

    const result = snapshotOf(report, IDS, parents);

    expect(result.supervisor).toEqual({ running: false, pid: null });
    expect(result.components.get('is')).toEqual({ state: 'orphaned', pid: 20 });
    expect(result.components.get('ps')).toEqual({ state: 'not running', pid: null });
  });

  it('unanswered supervisor gives unknown', () => {
    const report: StatusReport = { ...runningReport([]), error: 'status unknown: timed out' };

    const result = snapshotOf(report, ['is']);

    expect(result.components.get('is')).toEqual({ state: 'unknown', pid: null });
    expect([...result.components.keys()]).toEqual(['is']);
  });
});

describe('mainOrphan', () => {
  it('picks the root of the tree', () => {
    const parents = new Map([
      [30, 31],
      [31, 1],
    ]);

    expect(mainOrphan([orphan('svg', 30), orphan('svg', 31)], parents)?.pid).toBe(31);
  });

  it('returns undefined without orphans', () => {
    expect(mainOrphan([], new Map())).toBeUndefined();
  });
});

describe('componentChanged', () => {
  const cases: { name: string; before: ComponentState; after: ComponentState; changed: boolean }[] = [
    { name: 'same pid online', before: { state: 'online', pid: 5 }, after: { state: 'online', pid: 5 }, changed: false },
    { name: 'new pid', before: { state: 'online', pid: 5 }, after: { state: 'online', pid: 6 }, changed: true },
    { name: 'started', before: { state: 'stopped', pid: null }, after: { state: 'online', pid: 6 }, changed: true },
    { name: 'stopped', before: { state: 'online', pid: 5 }, after: { state: 'not running', pid: null }, changed: true },
    { name: 'nothing ran', before: { state: 'not running', pid: null }, after: { state: 'not running', pid: null }, changed: false },
    { name: 'supervisor came, no app', before: { state: 'not running', pid: null }, after: { state: 'not started', pid: null }, changed: false },
    { name: 'app removed', before: { state: 'stopped', pid: null }, after: { state: 'not running', pid: null }, changed: true },
    { name: 'unknown before', before: { state: 'unknown', pid: null }, after: { state: 'online', pid: 5 }, changed: true },
    { name: 'unknown both', before: { state: 'unknown', pid: null }, after: { state: 'unknown', pid: null }, changed: true },
  ];

  for (const { name, before, after, changed } of cases) {
    it(name, () => {
      expect(componentChanged(before, after)).toBe(changed);
    });
  }
});

describe('buildChangeReport', () => {
  it('start on a running stack changes nothing', () => {
    const before = snapshot(ONLINE_BEFORE);

    const report = buildChangeReport('start', CONFIG, IDS, { before, after: before, acted: true });

    expect(report.changed).toBe(false);
    expect(report.supervisor?.changed).toBe(false);
    expect(report.components.map((component) => component.changed)).toEqual([false, false, false]);
    expect(report.error).toBeUndefined();
    expect('error' in report).toBe(false);
  });

  it('restart of one component', () => {
    const before = snapshot({ is: { state: 'online', pid: 12 } });
    const after = snapshot({ is: { state: 'online', pid: 42 } });

    const report = buildChangeReport('restart is', CONFIG, ['is'], { before, after, acted: true });

    expect(report.command).toBe('restart is');
    expect(report.environment).toBe('production');
    expect(report.changed).toBe(true);
    expect(report.supervisor?.changed).toBe(false);
    expect(report.components).toEqual([
      { id: 'is', name: 'Image Server', before: { state: 'online', pid: 12 }, after: { state: 'online', pid: 42 }, changed: true },
    ]);
  });

  it('stop of a running stack', () => {
    const report = buildChangeReport('stop', CONFIG, IDS, { before: snapshot(ONLINE_BEFORE), after: snapshot(STOPPED, null), acted: true });

    expect(report.changed).toBe(true);
    expect(report.supervisor).toEqual({ before: { running: true, pid: 100 }, after: { running: false, pid: null }, changed: true });
    expect(report.components.map((component) => component.after.state)).toEqual(['not running', 'not running', 'not running']);
  });

  it('stop with nothing running', () => {
    const stopped = snapshot(STOPPED, null);

    const report = buildChangeReport('stop', CONFIG, IDS, { before: stopped, after: stopped, acted: true });

    expect(report.changed).toBe(false);
    expect(report.supervisor?.changed).toBe(false);
  });

  it('failure before acting changes nothing', () => {
    const unknown = snapshot({ ps: { state: 'unknown', pid: null } });

    const report = buildChangeReport('start', CONFIG, ['ps'], { before: unknown, after: unknown, acted: false }, 'lock held');

    expect(report.changed).toBe(false);
    expect(report.components[0].changed).toBe(false);
    expect(report.error).toBe('lock held');
  });

  it('failed start keeps what changed', () => {
    const before = snapshot(STOPPED, null);
    const after = snapshot({ ps: { state: 'not started', pid: null }, is: { state: 'online', pid: 12 }, svg: { state: 'stopped', pid: null } });

    const report = buildChangeReport('start', CONFIG, IDS, { before, after, acted: true }, 'svg failed to start');

    expect(report.changed).toBe(true);
    expect(report.supervisor?.changed).toBe(true);
    expect(report.components.map((component) => [component.id, component.changed])).toEqual([
      ['ps', false],
      ['is', true],
      ['svg', true],
    ]);
    expect(report.error).toBe('svg failed to start');
  });
});

describe('unloadedChangeReport', () => {
  it('reports the error and no change', () => {
    expect(unloadedChangeReport('stop', 'invalid configuration')).toEqual({
      command: 'stop',
      environment: null,
      changed: false,
      supervisor: null,
      components: [],
      error: 'invalid configuration',
    });
  });
});
