import type { ComponentConfig, ComponentId, Config } from '../config/types';
import { crashLoopOf, describeLastExit, lastExitOf, type CrashLoop } from '../supervisor/exits';
import { describeOrphanPorts, type OrphanProcess } from '../supervisor/orphans';
import type { ProcessExit } from '../supervisor/restart-policy';
import type { Pm2Process, Pm2Report } from '../supervisor/rpc';
import { formatBytes, formatSeconds, formatUptime, renderTable } from './format';

/** Result of the readiness check of an online component's port, run just now. */
export type Health = 'ok' | 'not answering';

/** Facts status reads of a running component besides PM2's list: tree memory from /proc and a port check. */
export interface Observation {
  /** Resident memory of the component's whole process tree. */
  memoryBytes?: number;
  health?: Health;
}

/** One component's row in the status report; numbers are raw (seconds, bytes). */
export interface ComponentStatus {
  id: ComponentId;
  name: string;
  /** PM2's status (online, stopped, errored, launching, …), or "not started" when PM2 has no such app. */
  state: string;
  pid: number | null;
  uptimeSeconds: number | null;
  /** Resident memory of the main process and its descendants. */
  memoryBytes: number | null;
  restarts: number;
  /** null when the component is not online or has no port to check. */
  health: Health | null;
  /** Exit code or signal of the process's last end, or null before its first exit or when the supervisor did not record it. */
  lastExit: ProcessExit | null;
  /** Set while the component keeps exiting within its minUptime, and once the supervisor gave up on it. */
  crashLoop: CrashLoop | null;
}

export interface SupervisorStatus {
  running: boolean;
  pid: number | null;
  uptimeSeconds: number | null;
  pm2Version: string | null;
  home: string;
}

export interface StatusReport {
  environment: string;
  supervisor: SupervisorStatus;
  components: ComponentStatus[];
  /** Component processes still running while the supervisor is not, such as after the daemon was killed. */
  orphans?: OrphanProcess[];
  /** Reason the status is unknown (exit code 4): the supervisor timed out or rejected the request. */
  error?: string;
}

export function componentStatus(
  component: ComponentConfig,
  process: Pm2Process | undefined,
  now: number,
  observation: Observation = {},
): ComponentStatus {
  if (process === undefined) {
    return {
      id: component.id,
      name: component.name,
      state: 'not started',
      pid: null,
      uptimeSeconds: null,
      memoryBytes: null,
      restarts: 0,
      health: null,
      lastExit: null,
      crashLoop: null,
    };
  }

  const env = process.pm2_env;
  const online = env.status === 'online' && process.pid > 0;
  // pm_uptime is the timestamp (ms) of the last start, not a duration.
  const uptimeSeconds = online && env.pm_uptime !== undefined ? Math.max(0, (now - env.pm_uptime) / 1000) : null;

  return {
    id: component.id,
    name: component.name,
    state: env.status,
    pid: online ? process.pid : null,
    uptimeSeconds,
    // PM2's own figure covers the main process only, and is used when /proc could not be read.
    memoryBytes: online ? (observation.memoryBytes ?? process.monit?.memory ?? null) : null,
    restarts: env.restart_time ?? 0,
    health: online && component.port !== undefined ? (observation.health ?? null) : null,
    lastExit: lastExitOf(process) ?? null,
    crashLoop: crashLoopOf(process, now),
  };
}

export function buildReport(
  config: Config,
  ids: ComponentId[],
  processes: Map<string, Pm2Process>,
  report: Pm2Report,
  daemonPid: number | undefined,
  now: number,
  observations: Map<string, Observation> = new Map(),
): StatusReport {
  return {
    environment: config.environment,
    supervisor: {
      running: true,
      pid: daemonPid ?? null,
      uptimeSeconds: Math.max(0, (now - report.started_at) / 1000),
      pm2Version: report.pm2_version,
      home: config.supervisor.home,
    },
    components: config.components
      .filter((component) => ids.includes(component.id))
      .map((component) => componentStatus(component, processes.get(component.id), now, observations.get(component.id))),
  };
}

function orDash(value: number | null, format: (value: number) => string): string {
  return value === null ? '-' : format(value);
}

/** Renders the report as the header line and the table operators read. */
export function renderReport(report: StatusReport): string {
  const { supervisor } = report;
  const header =
    `Image Serving (${report.environment}) - supervisor PM2 ${supervisor.pm2Version ?? '?'}, ` +
    `pid ${supervisor.pid ?? '?'}, up ${orDash(supervisor.uptimeSeconds, formatUptime)}, home ${supervisor.home}`;

  const rows = [['ID', 'COMPONENT', 'STATE', 'HEALTH', 'PID', 'UPTIME', 'MEMORY', 'RESTARTS']];
  for (const component of report.components) {
    rows.push([
      component.id,
      component.name,
      component.state,
      component.health ?? '-',
      orDash(component.pid, String),
      orDash(component.uptimeSeconds, formatUptime),
      orDash(component.memoryBytes, formatBytes),
      String(component.restarts),
    ]);
  }

  return [header, renderTable(rows), ...crashLoopLines(report.components)].join('\n');
}

/** Says in words which components are in a crash loop: "is: crash loop: 15 restarts, last exit code 1; …". */
function crashLoopLines(components: ComponentStatus[]): string[] {
  const lines: string[] = [];

  for (const { id, crashLoop, lastExit } of components) {
    if (crashLoop === null) {
      continue;
    }

    const exit = lastExit === null ? '' : `, ${describeLastExit(lastExit)}`;
    let outcome = 'restarting';
    if (crashLoop.gaveUp) {
      outcome = 'the supervisor gave up and left it errored';
    } else if (crashLoop.restartInSeconds !== null) {
      outcome = `next restart in ${formatSeconds(crashLoop.restartInSeconds)}`;
    }
    let restarts = `${crashLoop.restarts} restarts`;
    if (crashLoop.restarts <= 1) {
      restarts = crashLoop.restarts === 1 ? '1 restart' : 'no restart yet';
    }
    lines.push(`${id}: crash loop: ${restarts}${exit}; ${outcome}`);
  }

  return lines;
}

/** Builds the line printed instead of a report when the supervisor is not running, plus one for orphaned processes. */
export function notRunningMessage(config: Config, orphans: OrphanProcess[] = []): string {
  const line = `Image Serving (${config.environment}): the supervisor is not running (home ${config.supervisor.home})`;

  if (orphans.length === 0) {
    return `${line}; start it with "${config.invocation} start"`;
  }

  const list = orphans.map((orphan) => `${orphan.component} pid ${orphan.pid}${describeOrphanPorts(orphan)}`).join(', ');
  const advice = `end them with "${config.invocation} stop", then start again`;
  return `${line},\nbut ${orphans.length} component process(es) still run without it: ${list}; ${advice}`;
}
