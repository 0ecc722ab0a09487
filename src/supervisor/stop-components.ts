import type { ComponentConfig, Config } from '../config/types';
import { componentLine, progress } from '../output';
import { formatSeconds } from '../status/format';
import { endProcesses, findComponentProcesses, type OrphanProcess } from './orphans';
import { waitForExit } from './processes';
import type { Pm2Process } from './rpc';
import type { Session } from './session';
import { RECORD_FIELD, type ProcessExit } from './restart-policy';
import { describeEnding, logSize, readStopOutcome, type StopOutcome } from './stop-outcome';
import { supervisorFiles } from './home';

/** Seconds to wait, after PM2 reports an app stopped, for its process to be gone. */
export const EXIT_GRACE_SECONDS = 3;

/** A process that was still alive after its component was stopped. */
export interface Survivor {
  id: string;
  pid: number;
}

function labelOf(process: Pm2Process, components: ComponentConfig[]): { id: string; name: string } {
  const component = components.find((candidate) => candidate.id === process.name);

  return { id: process.name, name: component?.name ?? '(other PM2 app)' };
}

/**
 * Ends the processes a component left behind: children that a wrapper script
 * detached, or the whole component after its supervisor died. Each gets the
 * stop signal, then SIGKILL after the component's stop timeout. Prints a line
 * per process and returns those that survived.
 */
export async function endLeftovers(
  config: Config,
  label: { id: string; name: string },
  leftovers: OrphanProcess[],
  timeoutSeconds: number,
): Promise<Survivor[]> {
  if (leftovers.length === 0) {
    return [];
  }

  const { stopSignal } = config.supervisor;
  const outcome = await endProcesses(
    leftovers.map((leftover) => leftover.pid),
    stopSignal,
    timeoutSeconds * 1000,
  );
  const commandOf = (pid: number): string => leftovers.find((leftover) => leftover.pid === pid)?.command ?? '';

  for (const pid of outcome.exited) {
    progress(componentLine(label, `ended leftover process ${pid} (${commandOf(pid)}) with ${stopSignal}`));
  }
  for (const pid of outcome.killed) {
    progress(componentLine(label, `killed leftover process ${pid} (${commandOf(pid)}) by SIGKILL after ${formatSeconds(timeoutSeconds)}`));
  }
  for (const pid of outcome.survivors) {
    progress(componentLine(label, `leftover process ${pid} (${commandOf(pid)}) survived SIGKILL`));
  }

  return outcome.survivors.map((pid) => ({ id: label.id, pid }));
}

function describeStop(pid: number, elapsedSeconds: number, killTimeoutSeconds: number, outcome: StopOutcome | undefined): string {
  // NOTE: when the daemon log cannot be read, a stop that lasted the whole
  // kill_timeout is taken as a forced kill, since PM2 7.0.4 reports it nowhere else.
  const forced = outcome?.forced ?? elapsedSeconds >= killTimeoutSeconds;
  if (forced) {
    return `killed by SIGKILL (pid ${pid}) after its ${formatSeconds(killTimeoutSeconds)} stop timeout`;
  }

  const ending = outcome === undefined ? undefined : describeEnding(outcome);
  const exitText = ending ?? 'exited';
  return `stopped on its own (pid ${pid}, ${exitText} after ${formatSeconds(elapsedSeconds)})`;
}

/**
 * Returns the exit the restart policy recorded for the app at or after `since`
 * (milliseconds since the epoch), or undefined when there is none, as with a
 * daemon that PM2 itself spawned.
 */
async function recordedExitSince(session: Session, pmId: number, since: number): Promise<ProcessExit | undefined> {
  const list = await session.connection.listProcesses();
  const record = list.find((entry) => entry.pm_id === pmId)?.pm2_env[RECORD_FIELD];

  return record !== undefined && record.exitedAt >= since ? record.lastExit : undefined;
}

function outcomeOf(exit: ProcessExit): { exitCode?: number; signal?: string } {
  return exit.signal === null ? { exitCode: exit.code ?? undefined } : { signal: exit.signal };
}

/**
 * Stops one app and removes it from PM2. PM2 sends the stop signal, then
 * SIGKILL once the app's kill_timeout has passed. This function waits for
 * both, checks that the process is really gone, and ends any process the
 * component left behind. Returns the processes that survived.
 */
export async function stopProcess(session: Session, process: Pm2Process): Promise<Survivor[]> {
  const { connection, config } = session;
  const label = labelOf(process, config.components);
  const pid = process.pid > 0 ? process.pid : undefined;
  const killTimeoutSeconds = (process.pm2_env.kill_timeout ?? 1600) / 1000;
  const daemonLog = supervisorFiles(config.supervisor.home).log;
  const logOffset = logSize(daemonLog);
  const startedAt = Date.now();

  await connection.call('stopProcessId', process.pm_id, killTimeoutSeconds + config.supervisor.callTimeout);
  const recorded = await recordedExitSince(session, process.pm_id, startedAt);
  await connection.call('deleteProcessId', process.pm_id);

  if (pid === undefined) {
    progress(componentLine(label, `removed (was ${process.pm2_env.status}, no process)`));
  } else {
    const [survivor] = await waitForExit([pid], EXIT_GRACE_SECONDS * 1000);
    if (survivor !== undefined) {
      progress(componentLine(label, `still running after stop (pid ${survivor})`));
      return [{ id: label.id, pid: survivor }];
    }
    const elapsedSeconds = (Date.now() - startedAt) / 1000;
    const logged = readStopOutcome(daemonLog, logOffset, { name: process.name, pmId: process.pm_id, pid });
    const outcome = recorded === undefined ? logged : { forced: logged?.forced ?? false, ...outcomeOf(recorded) };
    progress(componentLine(label, describeStop(pid, elapsedSeconds, killTimeoutSeconds, outcome)));
  }

  const leftovers = findComponentProcesses(config.supervisor.home).filter((leftover) => leftover.component === label.id);
  return endLeftovers(config, label, leftovers, killTimeoutSeconds);
}

/**
 * Stops apps in descending startPriority; apps of one priority stop together.
 * Apps that are not components of this configuration stop last.
 */
export async function stopProcesses(session: Session, processes: Pm2Process[]): Promise<Survivor[]> {
  const priorityOf = (process: Pm2Process): number =>
    session.config.components.find((component) => component.id === process.name)?.startPriority ?? -1;
  const priorities = [...new Set(processes.map(priorityOf))].sort((a, b) => b - a);
  const survivors: Survivor[] = [];

  for (const priority of priorities) {
    const group = processes.filter((process) => priorityOf(process) === priority);
    const results = await Promise.all(group.map((process) => stopProcess(session, process)));
    survivors.push(...results.flat());
  }

  return survivors;
}
