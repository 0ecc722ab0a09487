import type { ComponentId, Config } from '../config/types';
import { CliError, ExitCode } from '../errors';
import { findComponentProcesses, type OrphanProcess } from '../supervisor/orphans';
import { componentProcesses, daemonPid, openRunningSupervisor, type Session } from '../supervisor/session';
import { observeComponents } from './observe';
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

async function collectReport(session: Session, ids: ComponentId[], options: CollectOptions): Promise<StatusReport> {
  const { connection, config } = session;

  try {
    const [list, report] = await Promise.all([connection.listProcesses(), connection.report()]);
    const processes = componentProcesses(list, config);
    const listed = config.components.filter((component) => ids.includes(component.id));
    const observations = options.observe ? await observeComponents(listed, processes) : new Map();
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
  const session = await openRunningSupervisor(config, ExitCode.unknown);

  if (session === undefined) {
    return notRunningReport(config, findComponentProcesses(config.supervisor.home));
  }

  return collectReport(session, ids, options);
}
