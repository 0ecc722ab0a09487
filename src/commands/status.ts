import { loadConfig } from '../config/load';
import type { ComponentId } from '../config/types';
import { CliError, ExitCode, type ExitCodeValue } from '../errors';
import { result } from '../output';
import { readStatus, unknownReport } from '../status/collect';
import { notRunningMessage, renderReport, type StatusReport } from '../status/report';
import { configOptions, type GlobalOptions } from './options';

export interface StatusOptions extends GlobalOptions {
  json?: boolean;
}

/**
 * Prints state, health, uptime and memory of the components, and exits 0 only
 * when each is online and responds on its port. Never spawns the supervisor:
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

  // A component that is online but does not respond on its port is not serving either.
  const allServing = report.components.every((row) => row.state === 'online' && row.health !== 'not answering');
  return allServing ? ExitCode.ok : ExitCode.notRunning;
}
