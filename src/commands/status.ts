import { loadConfig } from '../config/load';
import type { ComponentId, Config } from '../config/types';
import { CliError, ExitCode, type ExitCodeValue } from '../errors';
import { result } from '../output';
import { observeComponents, startHealthChecks } from '../status/observe';
import { buildReport, notRunningMessage, renderReport, type StatusReport } from '../status/report';
import { findComponentProcesses, type OrphanProcess } from '../supervisor/orphans';
import { readParentPids } from '../supervisor/process-tree';
import { componentProcesses, connectSupervisor, daemonPid, isSupervisorRunning } from '../supervisor/session';
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

function unknownReport(config: Config, error: string): StatusReport {
  return {
    environment: config.environment,
    supervisor: { running: true, pid: daemonPid(config) ?? null, uptimeSeconds: null, pm2Version: null, home: config.supervisor.home },
    components: [],
    error,
  };
}

async function collectReport(config: Config, ids: ComponentId[]): Promise<StatusReport> {
  const listed = config.components.filter((component) => ids.includes(component.id));
  // The checks need only the configuration, so they run while the RPC client loads and the daemon responds.
  const checks = startHealthChecks(listed);
  const { connection } = await connectSupervisor(config, ExitCode.unknown);

  try {
    const calls = Promise.all([connection.listProcesses(), connection.report()]);
    // The daemon takes a few ms to respond to getMonitorData, so the process table is read meanwhile.
    const parents = readParentPids();
    const [list, report] = await calls;

    const processes = componentProcesses(list, config);
    const observations = await observeComponents(listed, processes, parents, checks);
    return buildReport(config, ids, processes, report, daemonPid(config), Date.now(), observations);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new CliError(`status unknown: ${reason}`, ExitCode.unknown);
  } finally {
    connection.close();
  }
}

/** Reads the report from the running supervisor, or builds the not-running one without spawning a supervisor. */
async function readStatus(config: Config, ids: ComponentId[]): Promise<StatusReport> {
  if (!(await isSupervisorRunning(config, ExitCode.unknown))) {
    return notRunningReport(config, findComponentProcesses(config.supervisor.home));
  }

  return collectReport(config, ids);
}

/**
 * Prints state, health, uptime and memory of the components, and exits 0 only
 * when each is online and answers on its port. Never spawns the supervisor:
 * when it is not running, prints one line saying so and exits 3.
 */
export async function runStatus(options: StatusOptions, component: ComponentId | undefined): Promise<ExitCodeValue> {
  const config = loadConfig(configOptions(options));
  const ids = component === undefined ? config.components.map((candidate) => candidate.id) : [component];
  const json = options.json === true;

  let report: StatusReport;
  try {
    report = await readStatus(config, ids);
  } catch (error) {
    if (json && error instanceof CliError && error.exitCode === ExitCode.unknown) {
      // Monitoring still gets a document to parse; the message goes to stderr as usual.
      result(JSON.stringify(unknownReport(config, error.message), null, 2));
    }
    throw error;
  }

  if (!report.supervisor.running) {
    result(json ? JSON.stringify(report, null, 2) : notRunningMessage(config, report.orphans));
    return ExitCode.notRunning;
  }

  result(json ? JSON.stringify(report, null, 2) : renderReport(report));

  // A component that is online but does not answer on its port is not serving either.
  const allServing = report.components.every((row) => row.state === 'online' && row.health !== 'not answering');
  return allServing ? ExitCode.ok : ExitCode.notRunning;
}
