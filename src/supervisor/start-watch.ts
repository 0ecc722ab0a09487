import type { ComponentConfig } from '../config/types';
import { componentLine, paint, progress } from '../output';
import { formatSeconds } from '../status/format';
import { describeProcessExit, lastExitOf } from './exits';
import { probeComponent, probeTarget, type ProbeResult } from './probe';
import { sleep } from './processes';
import type { Pm2Process } from './rpc';
import { componentProcesses, type Session } from './session';

const POLL_INTERVAL_MS = 200;
/** Seconds a component without a port must stay online to count as started, so one that dies at once is caught. */
const MIN_STEADY_SECONDS = 1;
/** Milliseconds one readiness probe may take; the start timeout bounds the whole wait. */
const PROBE_TIMEOUT_MS = 1000;

function describeExit(process: Pm2Process | undefined): string {
  const exit = process === undefined ? undefined : lastExitOf(process);

  return exit === undefined ? 'exited' : describeProcessExit(exit);
}

export interface Failure {
  component: ComponentConfig;
  reason: string;
  process?: Pm2Process;
  /** Set for a component that was online before this start; start leaves it running. */
  runningBefore?: boolean;
}

/** A component that was already online when start began, with what PM2 reported of it then. */
export interface RunningComponent {
  component: ComponentConfig;
  process: Pm2Process;
}

/** The state start keeps for one component of the group being started. */
interface Watch {
  component: ComponentConfig;
  pid?: number;
  /** Milliseconds since the epoch when PM2 first reported it online. */
  onlineAt?: number;
  /** PM2's restart count when the watch began; any restart after that fails the start. */
  restartsBefore: number;
  runningBefore: boolean;
  ready: boolean;
  failure?: Failure;
  lastProbe?: ProbeResult;
}

function freshWatch(component: ComponentConfig): Watch {
  return { component, restartsBefore: 0, runningBefore: false, ready: false };
}

/** Builds the watch of a component online before this start, which must respond on its port like a new one. */
function runningWatch({ component, process }: RunningComponent, startedAt: number): Watch {
  return {
    component,
    pid: process.pid,
    onlineAt: startedAt,
    restartsBefore: process.pm2_env.restart_time ?? 0,
    runningBefore: true,
    ready: false,
  };
}

/**
 * Watches freshly started components until each responds on its port (or, with
 * no port, has stayed online for a second), fails, or reaches its
 * startTimeout. Components that were online before this start are watched
 * too, so that the next priority never starts while one of them does not
 * answer. With `pause`, the watch lasts at least the largest startDelay of the
 * started components, and a component that dies or is restarted before then
 * fails the start. Prints a line as each started component becomes ready.
 */
export async function watchStart(
  session: Session,
  components: ComponentConfig[],
  startedAt: number,
  pause: boolean,
  running: RunningComponent[] = [],
): Promise<Failure[]> {
  const watches = [...components.map(freshWatch), ...running.map((entry) => runningWatch(entry, startedAt))];
  const pauseSeconds = pause ? Math.max(0, ...components.map((component) => component.startDelay)) : 0;
  const pauseEnd = startedAt + pauseSeconds * 1000;

  for (;;) {
    const processes = componentProcesses(await session.connection.listProcesses(), session.config);
    await Promise.all(
      watches
        .filter((watch) => watch.failure === undefined)
        .map((watch) => checkStarting(watch, processes.get(watch.component.id), startedAt)),
    );

    const settled = watches.every((watch) => watch.failure !== undefined || watch.ready);
    if ((settled && Date.now() >= pauseEnd) || watches.every((watch) => watch.failure !== undefined)) {
      break;
    }
    await sleep(POLL_INTERVAL_MS);
  }

  return watches.flatMap((watch) => (watch.failure === undefined ? [] : [watch.failure]));
}

async function checkStarting(watch: Watch, process: Pm2Process | undefined, startedAt: number): Promise<void> {
  const { component } = watch;
  if (process === undefined) {
    watch.failure = { component, reason: 'disappeared from the supervisor while starting' };
    return;
  }

  const { status, restart_time: restartCount = 0 } = process.pm2_env;
  const restarted = restartCount > watch.restartsBefore;
  const pidChanged = watch.pid !== undefined && process.pid > 0 && process.pid !== watch.pid;
  const { runningBefore } = watch;
  // "waiting restart": it exited and the supervisor waits for the backoff delay before it restarts it.
  if (status === 'errored' || status === 'stopped' || status === 'waiting restart' || restarted || pidChanged) {
    const restartNote = pidChanged || restarted ? ' and was restarted' : '';
    watch.failure = { component, process, runningBefore, reason: `${describeExit(process)}${restartNote} while starting` };
    return;
  }

  if (status === 'online' && process.pid > 0 && watch.pid === undefined) {
    watch.pid = process.pid;
    watch.onlineAt = Date.now();
  }

  if (!watch.ready && watch.onlineAt !== undefined) {
    await checkReady(watch, startedAt);
  }

  if (!watch.ready && Date.now() - startedAt >= component.startTimeout * 1000) {
    watch.failure = { component, process, runningBefore, reason: notReadyReason(watch, status) };
  }
}

async function checkReady(watch: Watch, startedAt: number): Promise<void> {
  const { component } = watch;
  const elapsed = formatSeconds((Date.now() - startedAt) / 1000);

  if (component.port === undefined) {
    if (watch.runningBefore) {
      watch.ready = true;
    } else if (Date.now() - (watch.onlineAt ?? Date.now()) >= MIN_STEADY_SECONDS * 1000) {
      watch.ready = true;
      progress(componentLine(component, `${paint('green', 'online')} (pid ${watch.pid}, no port to check, started in ${elapsed})`));
    }
    return;
  }

  const first = watch.lastProbe === undefined;
  watch.lastProbe = await probeComponent(component.readiness, component.port, PROBE_TIMEOUT_MS);
  const target = probeTarget(component.readiness, component.port);
  if (watch.lastProbe.ok) {
    watch.ready = true;
    // An online component that responds at once was reported as "already online", so it needs no second line.
    if (!watch.runningBefore || !first) {
      progress(componentLine(component, `${paint('green', 'ready')} (pid ${watch.pid}, ${target} ${watch.lastProbe.detail} after ${elapsed})`));
    }
  } else if (watch.runningBefore && first) {
    const limit = formatSeconds(component.startTimeout);
    progress(componentLine(component, `not answering on ${target} (${watch.lastProbe.detail}); waiting up to ${limit} for it`));
  }
}

function notReadyReason(watch: Watch, status: string): string {
  const { component } = watch;
  const limit = `within its ${formatSeconds(component.startTimeout)} start timeout`;

  if (component.port === undefined || watch.onlineAt === undefined) {
    return `did not come online ${limit} (state ${status})`;
  }

  const target = probeTarget(component.readiness, component.port);
  const last = watch.lastProbe === undefined ? '' : `, last check: ${watch.lastProbe.detail}`;
  return `did not answer on ${target} ${limit} (state ${status}, pid ${watch.pid}${last})`;
}

