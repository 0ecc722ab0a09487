import { readFileSync, statSync } from 'node:fs';

import ecosystem from '../../ecosystem.config';
import type { ComponentConfig, Config } from '../config/types';
import { CliError, ExitCode } from '../errors';
import { componentLine, progress } from '../output';
import { startApp } from './pm2-api';
import { componentProcesses, type Session } from './session';
import { watchStart, type Failure } from './start-watch';

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
  for (const { process } of failures) {
    if (process !== undefined) {
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

function failureMessage(failures: Failure[], offsets: LogOffsets): string {
  return failures
    .map(({ component, reason }) => `${component.id} (${component.name}) failed to start: ${reason}; it is stopped now.\n${newLogLines(component, offsets)}`)
    .join('\n');
}

interface LogOffsets {
  out: Map<string, number>;
  err: Map<string, number>;
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
 * priority start together; the next group starts once every component of the
 * previous one answers on its port and its startDelay has passed. Components
 * already online are left alone.
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
    const failures = await watchStart(session, toStart, startedAt, index < groups.length - 1);
    if (failures.length > 0) {
      await stopFailed(session, failures);
      const summary = summarizeFailedStart(config, groups, index, failures);
      throw new CliError(`${failureMessage(failures, logOffsets)}\n${summary}`, ExitCode.failed);
    }
  }
}
