import { loadConfig } from '../config/load';
import type { ComponentId, Config } from '../config/types';
import { CliError, ExitCode, type ExitCodeValue } from '../errors';
import { result } from '../output';
import { buildReport, notRunningMessage, renderReport, type StatusReport } from '../status/report';
import { findComponentProcesses, type OrphanProcess } from '../supervisor/orphans';
import { componentProcesses, daemonPid, openRunningSupervisor, type Session } from '../supervisor/session';
import { configOptions, type GlobalOptions } from './options';

export interface StatusOptions extends GlobalOptions {
  json?: boolean;
}

function notRunningReport(config: Config, orphans: OrphanProcess[]): StatusReport {
  return {
    environment: config.environment,
    supervisor: { running: false, pid: null, uptimeSeconds: null, pm2Version: null, home: config.supervisor.home },
    components: [],
    orphans,
  };
}

async function collectReport(session: Session, ids: ComponentId[]): Promise<StatusReport> {
  const { connection, config } = session;

  try {
    const [list, report] = await Promise.all([connection.listProcesses(), connection.report()]);
    return buildReport(config, ids, componentProcesses(list, config), report, daemonPid(config), Date.now());
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new CliError(`status unknown: ${reason}`, ExitCode.unknown);
  } finally {
    connection.close();
  }
}

/**
 * Prints uptime and memory of the components. Never spawns the supervisor:
 * when it is not running, prints one line saying so and exits 3.
 */
export async function runStatus(options: StatusOptions, component: ComponentId | undefined): Promise<ExitCodeValue> {
  const config = loadConfig(configOptions(options));
  const ids = component === undefined ? config.components.map((candidate) => candidate.id) : [component];

  const session = await openRunningSupervisor(config, ExitCode.unknown);
  if (session === undefined) {
    const orphans = findComponentProcesses(config.supervisor.home);
    result(options.json === true ? JSON.stringify(notRunningReport(config, orphans), null, 2) : notRunningMessage(config, orphans));
    return ExitCode.notRunning;
  }

  const report = await collectReport(session, ids);
  result(options.json === true ? JSON.stringify(report, null, 2) : renderReport(report));

  const allOnline = report.components.every((row) => row.state === 'online');
  return allOnline ? ExitCode.ok : ExitCode.notRunning;
}
