import type { ComponentId, Config } from '../config/types';
import { CliError, ExitCode } from '../errors';
import { findComponentProcesses, type OrphanProcess } from '../supervisor/orphans';
import { readParentPids } from '../supervisor/process-tree';
import { componentProcesses, connectSupervisor, daemonPid, isSupervisorRunning } from '../supervisor/session';
import { observeComponents, startHealthChecks } from './observe';
import { buildReport, type StatusReport } from './report';

export interface CollectOptions {
  /** Whether to read tree memory and check each online component's port, which can take up to a second. */
  observe: boolean;
}

export function notRunningReport(config: Config, orphans: OrphanProcess[]): StatusReport {
  return {
    environment: config.environment,
    supervisor: { running: false, pid: null, uptimeSeconds: null, pm2Version: null, home: config.supervisor.home },
    components: [],
    orphans,
  };
}

export function unknownReport(config: Config, error: string): StatusReport {
  return {
    environment: config.environment,
    supervisor: { running: true, pid: daemonPid(config) ?? null, uptimeSeconds: null, pm2Version: null, home: config.supervisor.home },
    components: [],
    error,
  };
}

async function collectReport(config: Config, ids: ComponentId[], options: CollectOptions): Promise<StatusReport> {
  const listed = config.components.filter((component) => ids.includes(component.id));
  // The checks need only the configuration, so they run while the RPC client loads and the daemon responds.
  const checks = options.observe ? startHealthChecks(listed) : new Map();
  const { connection } = await connectSupervisor(config, ExitCode.unknown);

  try {
    const calls = Promise.all([connection.listProcesses(), connection.report()]);
    // The daemon takes a few ms to respond to getMonitorData, so the process table is read meanwhile.
    const parents = options.observe ? readParentPids() : new Map<number, number>();
    const [list, report] = await calls;

    const processes = componentProcesses(list, config);
    const observations = options.observe ? await observeComponents(listed, processes, parents, checks) : new Map();
    return buildReport(config, ids, processes, report, daemonPid(config), Date.now(), observations);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new CliError(`status unknown: ${reason}`, ExitCode.unknown);
  } finally {
    connection.close();
  }
}

/**
 * Reads the report from the running supervisor, or builds the not-running one
 * without spawning a supervisor. Throws a CliError with exit code 4 when the
 * supervisor does not respond.
 */
export async function readStatus(config: Config, ids: ComponentId[], options: CollectOptions = { observe: true }): Promise<StatusReport> {
  if (!(await isSupervisorRunning(config, ExitCode.unknown))) {
    return notRunningReport(config, findComponentProcesses(config.supervisor.home));
  }

  return collectReport(config, ids, options);
}
