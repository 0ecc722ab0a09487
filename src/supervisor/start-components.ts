import { readFileSync, statSync } from 'node:fs';

import ecosystem from '../../ecosystem.config';
import type { ComponentConfig, Config } from '../config/types';
import { CliError, ExitCode } from '../errors';
import { componentLine, progress } from '../output';
import { startApp } from './pm2-api';
import { componentProcesses, type Session } from './session';
import { describePortHolders, findPortHolders } from './port-holders';
import { watchStart, type Failure, type RunningComponent } from './start-watch';

const LOG_LINES = 10;

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

/** Returns the last lines a log file got since it had `offset` bytes, indented for the terminal; undefined when it got none. */
function tailOfLog(file: string, offset: number): string | undefined {
  let text: string;
  try {
    text = readFileSync(file).subarray(offset).toString('utf8');
  } catch {
    return `  (${file} cannot be read)`;
  }

  const lines = text.trimEnd().split('\n').slice(-LOG_LINES);
  return lines[0] === '' ? undefined : lines.map((line) => `  ${line}`).join('\n');
}

async function stopFailed(session: Session, failures: Failure[]): Promise<void> {
  for (const { process, runningBefore } of failures) {
    // A component that was running before this start is left as it was.
    if (process !== undefined && runningBefore !== true) {
      // Stop it so that a crash loop is not left behind; its PM2 entry stays for "status".
      await session.connection.call('stopProcessId', process.pm_id).catch(() => undefined);
    }
  }
}

/** Quotes the lines each log of the component got during this start, or notes that neither got any. */
function newLogLines(component: ComponentConfig, offsets: LogOffsets): string {
  const parts: string[] = [];

  for (const [log, offset] of [
    [component.logs.err, offsets.err.get(component.id) ?? 0],
    [component.logs.out, offsets.out.get(component.id) ?? 0],
  ] as const) {
    const tail = tailOfLog(log, offset);
    if (tail !== undefined) {
      parts.push(`Last lines of ${log}:\n${tail}`);
    }
  }

  return parts.length > 0 ? parts.join('\n') : `Nothing was written to ${component.logs.err} or ${component.logs.out} during this start.`;
}

function failureMessage(failures: Failure[], offsets: LogOffsets, invocation: string): string {
  return failures
    .map(({ component, reason, runningBefore }) => {
      const name = `${component.id} (${component.name})`;
      if (runningBefore === true) {
        return `${name} was already running but is not serving: ${reason}; it is left running. See "${invocation} logs ${component.id}".`;
      }
      return `${name} failed to start: ${reason}; it is stopped now.\n${newLogLines(component, offsets)}`;
    })
    .join('\n');
}

interface LogOffsets {
  out: Map<string, number>;
  err: Map<string, number>;
}

/**
 * Fails the start before anything of the group starts when another process
 * already listens on a component's port: the component would crash-loop on the
 * busy port, and the readiness check would take the other process's responses for its own.
 */
function checkPortsFree(config: Config, groups: ComponentConfig[][], index: number, toStart: ComponentConfig[]): void {
  const busy = toStart.flatMap((component) => {
    const holders = component.port === undefined ? [] : findPortHolders(component.port);
    return holders.length === 0 ? [] : [{ component, holders }];
  });
  if (busy.length === 0) {
    return;
  }

  const lines = busy.map(
    ({ component, holders }) =>
      `${component.id} (${component.name}) not started: port ${component.port} is already in use by ${describePortHolders(holders)}; ` +
      `stop that process, or set components.${component.id}.port (and the component's own port setting) to a free port`,
  );
  const online = [...groups.slice(0, index).flat(), ...groups[index].filter((component) => !toStart.includes(component))];
  const notStarted = [...toStart, ...groups.slice(index + 1).flat()];
  throw new CliError(`${lines.join('\n')}\n${summarizeFailedStart(config, online, notStarted)}`, ExitCode.failed);
}

/** Says which components a failed start left online and which it never started. */
function summarizeFailedStart(config: Config, online: ComponentConfig[], notStarted: ComponentConfig[]): string {
  const list = (items: ComponentConfig[]): string => (items.length === 0 ? 'none' : items.map((item) => item.id).join(', '));
  const skipped = notStarted.length === 0 ? '' : `; not started: ${list(notStarted)}`;

  return (
    `online: ${list(online)}${skipped}. ` +
    `Fix the failed component and run "${config.invocation} start" again, or "${config.invocation} stop" to take the rest down`
  );
}

/**
 * Starts the components in ascending startPriority. Components of one
 * priority start together; the next group starts once every component of the
 * previous one responds on its port and its startDelay has passed. Components
 * already online are left alone.
 */
export async function startComponents(session: Session, components: ComponentConfig[]): Promise<void> {
  const { config } = session;

  const groups = groupByPriority(components);

  for (const [index, group] of groups.entries()) {
    const processes = componentProcesses(await session.connection.listProcesses(), config);
    const toStart: ComponentConfig[] = [];
    const running: RunningComponent[] = [];

    for (const component of group) {
      const existing = processes.get(component.id);
      if (existing?.pm2_env.status === 'online') {
        progress(componentLine(component, `already online (pid ${existing.pid}), left alone`));
        running.push({ component, process: existing });
        continue;
      }

      if (existing !== undefined) {
        // A stopped or errored entry keeps its old settings; replace it with the current ones.
        await session.connection.call('deleteProcessId', existing.pm_id);
      }
      toStart.push(component);
    }

    checkPortsFree(config, groups, index, toStart);
    const logOffsets: LogOffsets = {
      out: new Map(toStart.map((component) => [component.id, fileSize(component.logs.out)])),
      err: new Map(toStart.map((component) => [component.id, fileSize(component.logs.err)])),
    };
    const startedAt = Date.now();
    await Promise.all(
      toStart.map((component) =>
        startApp(config.supervisor.home, ecosystem.toPm2App(component, config), config.supervisor.callTimeout),
      ),
    );

    // startDelay is a pause before the next group, so the last group does not wait for it.
    const failures = await watchStart(session, toStart, startedAt, index < groups.length - 1, running);
    if (failures.length > 0) {
      await stopFailed(session, failures);
      const failed = new Set(failures.filter((failure) => failure.runningBefore !== true).map((failure) => failure.component.id));
      const online = groups.slice(0, index + 1).flat().filter((component) => !failed.has(component.id));
      const summary = summarizeFailedStart(config, online, groups.slice(index + 1).flat());
      throw new CliError(`${failureMessage(failures, logOffsets, config.invocation)}\n${summary}`, ExitCode.failed);
    }
  }
}
