import type { ComponentConfig } from '../config/types';
import { progress } from '../output';
import { formatSeconds } from '../status/format';
import { waitForExit } from './processes';
import type { Pm2Process } from './rpc';
import type { Session } from './session';
import { componentLine } from './start-components';

/** Seconds to wait, after PM2 reports an app stopped, for its process to be gone. */
const EXIT_GRACE_SECONDS = 3;

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
 * Stops one app and removes it from PM2. PM2 sends the stop signal, then
 * SIGKILL once the app's kill_timeout has passed. This function waits for
 * both and then checks that the process is really gone.
 */
export async function stopProcess(session: Session, process: Pm2Process): Promise<Survivor | undefined> {
  const { connection, config } = session;
  const label = labelOf(process, config.components);
  const pid = process.pid > 0 ? process.pid : undefined;
  const killTimeoutSeconds = (process.pm2_env.kill_timeout ?? 1600) / 1000;
  const startedAt = Date.now();

  await connection.call('stopProcessId', process.pm_id, killTimeoutSeconds + config.supervisor.callTimeout);
  await connection.call('deleteProcessId', process.pm_id);

  if (pid === undefined) {
    progress(componentLine(label, `removed (was ${process.pm2_env.status}, no process)`));
    return undefined;
  }

  const [survivor] = await waitForExit([pid], EXIT_GRACE_SECONDS * 1000);
  if (survivor !== undefined) {
    progress(componentLine(label, `still running after stop (pid ${survivor})`));
    return { id: label.id, pid: survivor };
  }

  const elapsedSeconds = (Date.now() - startedAt) / 1000;
  // NOTE: PM2 7.0.4 does not report whether it had to send SIGKILL, so a stop
  // that lasted the whole kill_timeout is taken as a forced kill.
  const text =
    elapsedSeconds >= killTimeoutSeconds
      ? `killed by SIGKILL (pid ${pid}) after its ${formatSeconds(killTimeoutSeconds)} stop timeout`
      : `stopped (pid ${pid}, exited after ${formatSeconds(elapsedSeconds)})`;
  progress(componentLine(label, text));
  return undefined;
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
    survivors.push(...results.filter((survivor): survivor is Survivor => survivor !== undefined));
  }

  return survivors;
}
