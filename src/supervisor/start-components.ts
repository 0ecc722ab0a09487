import { readFileSync, statSync } from 'node:fs';

import ecosystem from '../../ecosystem.config';
import type { ComponentConfig, Config } from '../config/types';
import { CliError, ExitCode } from '../errors';
import { paint, progress } from '../output';
import { formatSeconds } from '../status/format';
import { describeProcessExit, lastExitOf } from './exits';
import { startApp } from './pm2-api';
import { sleep } from './processes';
import type { Pm2Process } from './rpc';
import { componentProcesses, type Session } from './session';

const POLL_INTERVAL_MS = 200;
/** Shortest start window, so a process that dies at once is caught even with startDelay 0. */
const MIN_START_WINDOW_SECONDS = 1;
const ERROR_LOG_LINES = 10;

export function componentLine(component: { id: string; name: string }, text: string): string {
  return `${component.id.padEnd(4)}${component.name.padEnd(17)}${text}`;
}

/** Groups components by startPriority, lowest first. */
export function groupByPriority(components: ComponentConfig[]): ComponentConfig[][] {
  const priorities = [...new Set(components.map((component) => component.startPriority))].sort((a, b) => a - b);

  return priorities.map((priority) => components.filter((component) => component.startPriority === priority));
}

function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/** Returns the last lines a log file got since it had `offset` bytes, indented for the terminal. */
function tailOfLog(file: string, offset: number): string {
  let text: string;
  try {
    text = readFileSync(file).subarray(offset).toString('utf8');
  } catch {
    return `  (${file} cannot be read)`;
  }

  const lines = text.trimEnd().split('\n').slice(-ERROR_LOG_LINES);
  return lines[0] === '' ? '  (nothing was written to it during this start)' : lines.map((line) => `  ${line}`).join('\n');
}

function describeExit(process: Pm2Process | undefined): string {
  const exit = process === undefined ? undefined : lastExitOf(process);

  return exit === undefined ? 'exited' : describeProcessExit(exit);
}

interface Failure {
  component: ComponentConfig;
  reason: string;
  process?: Pm2Process;
}

/**
 * Watches freshly started components through their start window: each must
 * come online and stay up with the same pid. Prints a line as each comes online.
 */
async function watchStartWindow(session: Session, components: ComponentConfig[], startedAt: number): Promise<Failure[]> {
  const windowSeconds = Math.max(MIN_START_WINDOW_SECONDS, ...components.map((component) => component.startDelay));
  const deadline = startedAt + windowSeconds * 1000;
  const firstPid = new Map<string, number>();
  const failures = new Map<string, Failure>();

  for (;;) {
    const processes = componentProcesses(await session.connection.listProcesses(), session.config);

    for (const component of components) {
      if (failures.has(component.id)) {
        continue;
      }

      const process = processes.get(component.id);
      const failure = checkStarting(component, process, firstPid, startedAt, windowSeconds);
      if (failure !== undefined) {
        failures.set(component.id, failure);
      }
    }

    if (Date.now() >= deadline || failures.size === components.length) {
      break;
    }
    await sleep(POLL_INTERVAL_MS);
  }

  for (const component of components) {
    if (!failures.has(component.id) && !firstPid.has(component.id)) {
      failures.set(component.id, { component, reason: `did not come online within its ${windowSeconds} s start window` });
    }
  }

  return [...failures.values()];
}

function checkStarting(
  component: ComponentConfig,
  process: Pm2Process | undefined,
  firstPid: Map<string, number>,
  startedAt: number,
  windowSeconds: number,
): Failure | undefined {
  if (process === undefined) {
    return { component, reason: 'disappeared from the supervisor while starting' };
  }

  const { status, restart_time: restarts = 0 } = process.pm2_env;
  const within = `within its ${windowSeconds} s start window`;

  // "waiting restart": it exited and PM2 waits for the backoff delay before it restarts it.
  if (status === 'errored' || status === 'stopped' || status === 'waiting restart' || restarts > 0) {
    return { component, process, reason: `${describeExit(process)} ${within}` };
  }

  const seen = firstPid.get(component.id);
  if (status === 'online' && process.pid > 0) {
    if (seen === undefined) {
      firstPid.set(component.id, process.pid);
      const seconds = formatSeconds((Date.now() - startedAt) / 1000);
      progress(componentLine(component, `${paint('green', 'online')} (pid ${process.pid}, started in ${seconds})`));
    } else if (seen !== process.pid) {
      return { component, process, reason: `${describeExit(process)} and was restarted ${within}` };
    }
  }

  return undefined;
}

async function stopFailed(session: Session, failures: Failure[]): Promise<void> {
  for (const { process } of failures) {
    if (process !== undefined) {
      // Stop it so that a crash loop is not left behind; its PM2 entry stays for "status".
      await session.connection.call('stopProcessId', process.pm_id).catch(() => undefined);
    }
  }
}

function failureMessage(failures: Failure[], logOffsets: Map<string, number>): string {
  return failures
    .map(({ component, reason }) => {
      const log = component.logs.err;
      const tail = tailOfLog(log, logOffsets.get(component.id) ?? 0);
      return `${component.id} (${component.name}) failed to start: ${reason}; it is stopped now.\nLast lines of ${log}:\n${tail}`;
    })
    .join('\n');
}

/** Says which components a failed start left online and which it never started. */
function summarizeFailedStart(config: Config, groups: ComponentConfig[][], failedGroup: number, failures: Failure[]): string {
  const failed = new Set(failures.map((failure) => failure.component.id));
  const online = groups.slice(0, failedGroup + 1).flat().filter((component) => !failed.has(component.id));
  const notStarted = groups.slice(failedGroup + 1).flat();
  const list = (items: ComponentConfig[]): string => (items.length === 0 ? 'none' : items.map((item) => item.id).join(', '));

  return (
    `online: ${list(online)}; not started: ${list(notStarted)}. ` +
    `Fix the failed component and run "${config.invocation} start" again, or "${config.invocation} stop" to take the rest down`
  );
}

/**
 * Starts the components in ascending startPriority. Components of one
 * priority start together; the next group waits for the start window of the
 * previous one. Components already online are left alone.
 */
export async function startComponents(session: Session, components: ComponentConfig[]): Promise<void> {
  const { config } = session;

  const groups = groupByPriority(components);

  for (const [index, group] of groups.entries()) {
    const processes = componentProcesses(await session.connection.listProcesses(), config);
    const toStart: ComponentConfig[] = [];

    for (const component of group) {
      const existing = processes.get(component.id);
      if (existing?.pm2_env.status === 'online') {
        progress(componentLine(component, `already online (pid ${existing.pid}), left alone`));
        continue;
      }

      if (existing !== undefined) {
        // A stopped or errored entry keeps its old settings; replace it with the current ones.
        await session.connection.call('deleteProcessId', existing.pm_id);
      }
      toStart.push(component);
    }

    if (toStart.length === 0) {
      continue;
    }

    const logOffsets = new Map(toStart.map((component) => [component.id, fileSize(component.logs.err)]));
    const startedAt = Date.now();
    await Promise.all(
      toStart.map((component) =>
        startApp(config.supervisor.home, ecosystem.toPm2App(component, config), config.supervisor.callTimeout),
      ),
    );

    const failures = await watchStartWindow(session, toStart, startedAt);
    if (failures.length > 0) {
      await stopFailed(session, failures);
      const summary = summarizeFailedStart(config, groups, index, failures);
      throw new CliError(`${failureMessage(failures, logOffsets)}\n${summary}`, ExitCode.failed);
    }
  }
}
