import { loadConfig } from '../config/load';
import type { ComponentConfig, ComponentId, Config } from '../config/types';
import { CliError, ExitCode, type ExitCodeValue } from '../errors';
import { progress, result } from '../output';
import { LogFollower, type FollowedFile } from '../logs/follow';
import { componentTail, formatLogLine, mergeByTime } from '../logs/read';
import { isPermissionDenied, permissionDeniedError } from '../supervisor/permission';
import { openRunningSupervisor } from '../supervisor/session';
import { untilInterrupted } from './interrupt';
import { configOptions, type GlobalOptions } from './options';

export const DEFAULT_LOG_LINES = 20;

export interface LogsOptions extends GlobalOptions {
  lines?: number;
  follow?: boolean;
  reopen?: boolean;
}

function selectComponents(config: Config, id: ComponentId | undefined): ComponentConfig[] {
  return id === undefined ? config.components : config.components.filter((component) => component.id === id);
}

/** Prints the last lines of each component, all merged by time, and notes log files that do not exist yet. */
function printTail(components: ComponentConfig[], count: number, ends?: ReadonlyMap<string, number>): void {
  const tails = components.map((component) => componentTail(component, count, ends));

  for (const file of tails.flatMap((tail) => tail.missing)) {
    progress(`${file}: log file not found (PM2 creates it when it starts the component with this path)`);
  }

  const lines = mergeByTime(tails.flatMap((tail) => tail.lines));
  if (lines.length > 0) {
    result(lines.map(formatLogLine).join('\n'));
  }
}

/**
 * Prints the tail, then lines as the components write them, until SIGINT or
 * SIGTERM. The follower records where each file ends before the tail is
 * read, so no line written in between is lost or printed twice.
 */
async function printAndFollow(components: ComponentConfig[], count: number): Promise<void> {
  const files: FollowedFile[] = components.flatMap((component) => [
    { component: component.id, stream: 'out' as const, path: component.logs.out },
    { component: component.id, stream: 'err' as const, path: component.logs.err },
  ]);
  const follower = new LogFollower(files, (file, text) => result(formatLogLine({ ...file, text })));

  printTail(components, count, follower.startOffsets());
  follower.start();
  const signal = await untilInterrupted();
  follower.poll();
  follower.stop();
  progress(`stopped following the logs (${signal})`);
}

/**
 * Asks the supervisor to close and reopen every component's log files
 * (PM2's reloadLogs), so a file that logrotate moved away is replaced by a
 * new one at the configured path. With no supervisor running no file is
 * open, so there is nothing to do and the command succeeds.
 */
async function reopenLogs(config: Config): Promise<void> {
  const session = await openRunningSupervisor(config);
  if (session === undefined) {
    progress(`the supervisor is not running (home ${config.supervisor.home}), so no log file is open; nothing to reopen`);
    return;
  }

  try {
    await session.connection.call('reloadLogs', {});
  } finally {
    session.connection.close();
  }

  progress('the supervisor reopened the log files of every component');
}

/**
 * Shows the components' PM2 logs, found through the configuration: the last
 * lines of each, then with --follow every new line until interrupted.
 */
export async function runLogs(options: LogsOptions, component: ComponentId | undefined): Promise<ExitCodeValue> {
  if (options.reopen === true && (component !== undefined || options.follow === true || options.lines !== undefined)) {
    throw new CliError(
      'logs --reopen reopens the files of every component and takes no component, --lines or --follow; run it alone',
      ExitCode.usage,
    );
  }

  const config = loadConfig(configOptions(options));
  if (options.reopen === true) {
    await reopenLogs(config);
    return ExitCode.ok;
  }

  const components = selectComponents(config, component);
  const count = options.lines ?? DEFAULT_LOG_LINES;
  try {
    if (options.follow === true) {
      await printAndFollow(components, count);
    } else {
      printTail(components, count);
    }
  } catch (error) {
    // Log files in another account's supervisor home are unreadable to this one.
    throw isPermissionDenied(error) ? permissionDeniedError(error, config.invocation) : error;
  }

  return ExitCode.ok;
}
