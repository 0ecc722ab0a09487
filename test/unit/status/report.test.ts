import { describe, expect, it } from 'vitest';

import type { ComponentConfig, ComponentId, Config } from '../../../src/config/types';
import { buildReport, componentStatus, notRunningMessage, renderReport, type StatusReport } from '../../../src/status/report';
import type { RestartRecord } from '../../../src/supervisor/restart-policy';
import type { Pm2Process, Pm2Report } from '../../../src/supervisor/rpc';

const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);
const HOME = '/var/lib/imageserving/pm2';

const NAMES: Record<ComponentId, string> = { ps: 'Platform Server', is: 'Image Server', svg: 'SVG server' };

function componentConfig(id: ComponentId): ComponentConfig {
  return {
    id,
    name: NAMES[id],
    executable: `/opt/scene7/bin/${id}`,
    args: [],
    cwd: '/opt/scene7/bin',
    env: {},
    requiredFiles: [],
    port: 8080,
    readiness: { protocol: 'tcp', host: '127.0.0.1', path: '/' },
    startPriority: 1,
    startDelay: 5,
    startTimeout: 120,
    stopTimeout: 60,
    restart: { autorestart: true, maxRestarts: 15, minUptime: 5, backoff: 0 },
    logs: { out: `${HOME}/logs/${id}-out.log`, err: `${HOME}/logs/${id}-error.log` },
  };
}

const CONFIG: Config = {
  environment: 'production',
  configDir: '/etc/imageserving',
  files: ['/etc/imageserving/production.yaml'],
  invocation: 'ImageServing --env production --config-dir /etc/imageserving',
  supervisor: { home: HOME, namespace: 'imageserving', stopSignal: 'SIGTERM', callTimeout: 10, lockTimeout: 300 },
  components: [componentConfig('ps'), componentConfig('is'), componentConfig('svg')],
};

/** Builds a PM2 process as getMonitorData lists it. Its pm_uptime is the start time in ms. */
function pm2Process(
  name: ComponentId,
  status: string,
  fields: { pid?: number; startedAt?: number; memory?: number; restarts?: number },
): Pm2Process {
  return {
    pid: fields.pid ?? 0,
    name,
    pm_id: 0,
    monit: fields.memory === undefined ? undefined : { memory: fields.memory, cpu: 0 },
    pm2_env: { status, namespace: 'imageserving', pm_uptime: fields.startedAt, restart_time: fields.restarts },
  };
}

const PM2_REPORT: Pm2Report = { pm2_version: '7.0.4', started_at: NOW - (2 * 3600 + 13 * 60) * 1000 };

describe('componentStatus', () => {
  it('online shows pid, uptime, memory', () => {
    const entry = pm2Process('is', 'online', { pid: 4242, startedAt: NOW - 90_000, memory: 52_428_800, restarts: 2 });

    expect(componentStatus(componentConfig('is'), entry, NOW)).toEqual({
      id: 'is',
      name: 'Image Server',
      state: 'online',
      pid: 4242,
      uptimeSeconds: 90,
      memoryBytes: 52_428_800,
      restarts: 2,
      health: null,
      lastExit: null,
      crashLoop: null,
    });
  });

  it('observed tree memory replaces monit', () => {
    const entry = pm2Process('ps', 'online', { pid: 10, startedAt: NOW, memory: 1000 });

    const status = componentStatus(componentConfig('ps'), entry, NOW, { memoryBytes: 250_000_000, health: 'ok' });

    expect(status.memoryBytes).toBe(250_000_000);
    expect(status.health).toBe('ok');
  });

  it('reports not answering health', () => {
    const entry = pm2Process('is', 'online', { pid: 10, startedAt: NOW, memory: 1000 });

    expect(componentStatus(componentConfig('is'), entry, NOW, { health: 'not answering' }).health).toBe('not answering');
  });

  it('no port means no health', () => {
    const entry = pm2Process('is', 'online', { pid: 10, startedAt: NOW, memory: 1000 });
    const component = { ...componentConfig('is'), port: undefined };

    expect(componentStatus(component, entry, NOW, { health: 'ok' }).health).toBeNull();
  });

  it('stopped component has no health', () => {
    const entry = pm2Process('is', 'stopped', {});

    expect(componentStatus(componentConfig('is'), entry, NOW, { health: 'not answering' }).health).toBeNull();
  });

  it('uptime is now minus pm_uptime', () => {
    const entry = pm2Process('ps', 'online', { pid: 10, startedAt: NOW - 1500, memory: 1 });

    expect(componentStatus(componentConfig('ps'), entry, NOW).uptimeSeconds).toBe(1.5);
  });

  it('start in future is 0 uptime', () => {
    const entry = pm2Process('ps', 'online', { pid: 10, startedAt: NOW + 5000, memory: 1 });

    expect(componentStatus(componentConfig('ps'), entry, NOW).uptimeSeconds).toBe(0);
  });

  it('online without monit has no memory', () => {
    const entry = pm2Process('ps', 'online', { pid: 10, startedAt: NOW });

    expect(componentStatus(componentConfig('ps'), entry, NOW).memoryBytes).toBeNull();
  });

  it.each(['stopped', 'errored'])('%s has no pid, uptime, memory', (state) => {
    const entry = pm2Process('svg', state, { pid: 0, startedAt: NOW - 90_000, memory: 0, restarts: 15 });

    expect(componentStatus(componentConfig('svg'), entry, NOW)).toEqual({
      id: 'svg',
      name: 'SVG server',
      state,
      pid: null,
      uptimeSeconds: null,
      memoryBytes: null,
      restarts: 15,
      health: null,
      lastExit: null,
      crashLoop: null,
    });
  });

  it('launching has no uptime', () => {
    const entry = pm2Process('svg', 'launching', { pid: 77, startedAt: NOW - 1000, memory: 4096 });

    const status = componentStatus(componentConfig('svg'), entry, NOW);

    expect(status.state).toBe('launching');
    expect(status.pid).toBeNull();
    expect(status.uptimeSeconds).toBeNull();
    expect(status.memoryBytes).toBeNull();
  });

  it('online with pid 0 counts as down', () => {
    const entry = pm2Process('ps', 'online', { pid: 0, startedAt: NOW - 1000, memory: 4096 });

    const status = componentStatus(componentConfig('ps'), entry, NOW);

    expect(status.state).toBe('online');
    expect(status.pid).toBeNull();
    expect(status.uptimeSeconds).toBeNull();
    expect(status.memoryBytes).toBeNull();
  });

  it('missing restart_time is 0', () => {
    const entry = pm2Process('ps', 'stopped', {});

    expect(componentStatus(componentConfig('ps'), entry, NOW).restarts).toBe(0);
  });

  it('unknown to PM2 is not started', () => {
    expect(componentStatus(componentConfig('ps'), undefined, NOW)).toEqual({
      id: 'ps',
      name: 'Platform Server',
      state: 'not started',
      pid: null,
      uptimeSeconds: null,
      memoryBytes: null,
      restarts: 0,
      health: null,
      lastExit: null,
      crashLoop: null,
    });
  });
});

describe('buildReport', () => {
  const processes = new Map<string, Pm2Process>([
    ['is', pm2Process('is', 'online', { pid: 4242, startedAt: NOW - 310_000, memory: 812 })],
    ['svg', pm2Process('svg', 'errored', { restarts: 15 })],
  ]);

  it('describes the supervisor', () => {
    const report = buildReport(CONFIG, ['ps', 'is', 'svg'], processes, PM2_REPORT, 999, NOW);

    expect(report.environment).toBe('production');
    expect(report.supervisor).toEqual({
      running: true,
      pid: 999,
      uptimeSeconds: 2 * 3600 + 13 * 60,
      pm2Version: '7.0.4',
      home: HOME,
    });
  });

  it('unknown daemon pid is null', () => {
    const report = buildReport(CONFIG, ['ps'], processes, PM2_REPORT, undefined, NOW);

    expect(report.supervisor.pid).toBeNull();
  });

  it('lists components in config order', () => {
    const report = buildReport(CONFIG, ['svg', 'ps', 'is'], processes, PM2_REPORT, 999, NOW);

    expect(report.components.map((component) => component.id)).toEqual(['ps', 'is', 'svg']);
    expect(report.components.map((component) => component.state)).toEqual(['not started', 'online', 'errored']);
  });

  it('lists only requested components', () => {
    const report = buildReport(CONFIG, ['is'], processes, PM2_REPORT, 999, NOW);

    expect(report.components.map((component) => component.id)).toEqual(['is']);
  });
});

describe('renderReport', () => {
  it('renders header and table', () => {
    const processes = new Map<string, Pm2Process>([
      ['ps', pm2Process('ps', 'online', { pid: 4310, startedAt: NOW - 310_000, memory: 20 * 1024 * 1024, restarts: 1 })],
      ['is', pm2Process('is', 'online', { pid: 4242, startedAt: NOW - 45_000, memory: 812 })],
      ['svg', pm2Process('svg', 'stopped', { restarts: 0 })],
    ]);
    const observations = new Map([
      ['ps', { memoryBytes: 512.3 * 1024 * 1024, health: 'ok' as const }],
      ['is', { health: 'not answering' as const }],
    ]);
    const report = buildReport(CONFIG, ['ps', 'is', 'svg'], processes, PM2_REPORT, 999, NOW, observations);

    expect(renderReport(report)).toBe(
      [
        `Image Serving (production) - supervisor PM2 7.0.4, pid 999, up 2h 13m, home ${HOME}`,
        'ID   COMPONENT        STATE    HEALTH         PID   UPTIME  MEMORY     RESTARTS',
        'ps   Platform Server  online   ok             4310  5m 10s  512.3 MiB  1',
        'is   Image Server     online   not answering  4242  45s     812 B      0',
        'svg  SVG server       stopped  -              -     -       -          0',
      ].join('\n'),
    );
  });

  it('renders not started row', () => {
    const report = buildReport(CONFIG, ['ps'], new Map(), PM2_REPORT, 999, NOW);

    expect(renderReport(report).split('\n')[2]).toBe('ps  Platform Server  not started  -       -    -       -       0');
  });

  it('shows ? for unknown supervisor fields', () => {
    const report: StatusReport = {
      environment: 'development',
      supervisor: { running: true, pid: null, uptimeSeconds: null, pm2Version: null, home: HOME },
      components: [],
    };

    expect(renderReport(report)).toBe(
      `Image Serving (development) - supervisor PM2 ?, pid ?, up -, home ${HOME}\nID  COMPONENT  STATE  HEALTH  PID  UPTIME  MEMORY  RESTARTS`,
    );
  });
});

/** Builds a process as the ImageServing restart policy in the daemon leaves it after quickExits exits in a row. */
function loopingProcess(status: string, record: Partial<RestartRecord>, fields: { pid?: number; startedAt?: number } = {}): Pm2Process {
  const entry = pm2Process('is', status, { pid: fields.pid ?? 0, startedAt: fields.startedAt ?? NOW - 1000, restarts: 4 });
  entry.pm2_env.min_uptime = 5000;
  entry.pm2_env.imageserving_restarts = {
    quickExits: 4,
    lastExit: { code: 1, signal: null },
    exitedAt: NOW - 500,
    gaveUp: false,
    restartAt: null,
    ...record,
  };
  return entry;
}

describe('crash loops', () => {
  it('waiting restart shows the next try', () => {
    const entry = loopingProcess('waiting restart', { restartAt: NOW + 3400 });

    const status = componentStatus(componentConfig('is'), entry, NOW);

    expect(status.lastExit).toEqual({ code: 1, signal: null });
    // Four quick exits, of which three were followed by a restart so far, as PM2's restart count shows.
    expect(status.crashLoop).toEqual({ restarts: 3, gaveUp: false, restartInSeconds: 3.4 });
  });

  it('gave up counts restarts, not exits', () => {
    const entry = loopingProcess('errored', { quickExits: 16, gaveUp: true, lastExit: { code: null, signal: 'SIGSEGV' } });

    const status = componentStatus(componentConfig('is'), entry, NOW);

    expect(status.crashLoop).toEqual({ restarts: 15, gaveUp: true, restartInSeconds: null });
    expect(status.lastExit).toEqual({ code: null, signal: 'SIGSEGV' });
  });

  it('online within minUptime is still looping', () => {
    const entry = loopingProcess('online', {}, { pid: 4242, startedAt: NOW - 2000 });

    expect(componentStatus(componentConfig('is'), entry, NOW).crashLoop).toEqual({ restarts: 4, gaveUp: false, restartInSeconds: null });
  });

  it('online past minUptime ends the loop', () => {
    const entry = loopingProcess('online', {}, { pid: 4242, startedAt: NOW - 6000 });

    const status = componentStatus(componentConfig('is'), entry, NOW);

    expect(status.crashLoop).toBeNull();
    expect(status.lastExit).toEqual({ code: 1, signal: null });
  });

  it('stopped component is out of the loop', () => {
    expect(componentStatus(componentConfig('is'), loopingProcess('stopped', {}), NOW).crashLoop).toBeNull();
  });

  it('no record trusts only nonzero codes', () => {
    const crashed = pm2Process('is', 'stopped', {});
    crashed.pm2_env.exit_code = 2;
    const killed = pm2Process('ps', 'stopped', {});
    killed.pm2_env.exit_code = 0;

    expect(componentStatus(componentConfig('is'), crashed, NOW).lastExit).toEqual({ code: 2, signal: null });
    expect(componentStatus(componentConfig('ps'), killed, NOW).lastExit).toBeNull();
    expect(componentStatus(componentConfig('is'), crashed, NOW).crashLoop).toBeNull();
  });

  it('renders a line per looping component', () => {
    const processes = new Map<string, Pm2Process>([
      ['is', loopingProcess('errored', { quickExits: 16, gaveUp: true })],
      ['svg', { ...loopingProcess('waiting restart', { quickExits: 1, restartAt: NOW + 1000, lastExit: { code: null, signal: 'SIGKILL' } }), name: 'svg' }],
    ]);
    const report = buildReport(CONFIG, ['ps', 'is', 'svg'], processes, PM2_REPORT, 999, NOW);

    expect(renderReport(report).split('\n').slice(5)).toEqual([
      'is: crash loop: 15 restarts, last exit code 1; the supervisor gave up and left it errored',
      'svg: crash loop: no restart yet, last killed by SIGKILL; next restart in 1.0 s',
    ]);
  });
});

describe('notRunningMessage', () => {
  it('names environment, home and remedy', () => {
    expect(notRunningMessage(CONFIG)).toBe(
      `Image Serving (production): the supervisor is not running (home ${HOME}); start it with "ImageServing --env production --config-dir /etc/imageserving start"`,
    );
  });
});

describe('notRunningMessage with orphans', () => {
  it('lists pid and ports of each', () => {
    const orphans = [
      { pid: 4301, component: 'ps', command: 'catalina.sh run', ports: [8080, 9999] },
      { pid: 4290, component: 'is', command: 'ImageServer64', ports: [27345] },
      { pid: 4295, component: 'is', command: 'sleep 300', ports: [] },
    ];

    expect(notRunningMessage(CONFIG, orphans).split('\n')).toEqual([
      `Image Serving (production): the supervisor is not running (home ${HOME}),`,
      'but 3 component process(es) still run without it: ps pid 4301 on ports 8080, 9999, is pid 4290 on port 27345, is pid 4295; ' +
        'end them with "ImageServing --env production --config-dir /etc/imageserving stop", then start again',
    ]);
  });
});
