/**
 * Restart policy for crashed components, applied inside the PM2 daemon so it
 * stays in force between CLI runs. pm2-daemon.ts installs it by wrapping
 * God.handleExit, the daemon's handler for every exit of an app.
 *
 * NOTE: measured on PM2 7.0.4, the version package.json pins. Its own policy
 * in God.handleExit counts a quick exit (one within min_uptime of the start)
 * only within min_uptime x max_restarts of the app's creation. It gives up at
 * the max_restarts-th quick exit, after max_restarts - 1 restarts. With
 * exp_backoff_restart_delay it sets "waiting restart" after giving up, so the
 * app stays in that state with no restart scheduled. Once a restart delay
 * pushes the exits past the window, the app restarts forever. It records
 * exit code 0 for a process killed by a signal, and no signal.
 *
 * This policy counts quick exits in a row instead, resets the count and the
 * backoff after a run of at least min_uptime, and leaves the app errored
 * once max_restarts restarts in a row have each ended within min_uptime.
 */

/** Name of the daemon's environment variable that shows the policy is installed. */
export const POLICY_MARKER = 'IMAGESERVING_RESTART_POLICY';

/** Field of an app's pm2_env where the daemon keeps its RestartRecord. */
export const RECORD_FIELD = 'imageserving_restarts';

/** The end of a process: an exit code, or the signal that killed it. */
export interface ProcessExit {
  code: number | null;
  signal: string | null;
}

/** The daemon's record of a component's exits. */
export interface RestartRecord {
  /** Exits in a row that each came less than min_uptime after their start. */
  quickExits: number;
  lastExit: ProcessExit;
  /** Timestamp in ms of the last exit. */
  exitedAt: number;
  /** Whether the daemon stopped restarting the app and left it errored. */
  gaveUp: boolean;
  /** Timestamp in ms of the restart the daemon has scheduled, or null when none is. */
  restartAt: number | null;
}

/** Facts about one exit that the policy decides on. */
export interface ExitFacts {
  exit: ProcessExit;
  at: number;
  /** Milliseconds the process ran before it exited. */
  ranMs: number;
  minUptimeMs: number;
  maxRestarts: number;
}

/**
 * Updates the record for an exit that PM2 would restart. The exit that comes
 * after maxRestarts quick restarts in a row makes the daemon give up.
 */
export function recordCrash(previous: RestartRecord | undefined, facts: ExitFacts): RestartRecord {
  const quick = facts.ranMs < facts.minUptimeMs;
  const quickExits = quick ? (previous?.quickExits ?? 0) + 1 : 0;

  return {
    quickExits,
    lastExit: facts.exit,
    exitedAt: facts.at,
    gaveUp: quickExits > facts.maxRestarts,
    restartAt: null,
  };
}

/** Updates the record for an exit that was requested (stop, delete) or that PM2 does not restart. */
export function recordExit(previous: RestartRecord | undefined, exit: ProcessExit, at: number): RestartRecord {
  return { quickExits: previous?.quickExits ?? 0, lastExit: exit, exitedAt: at, gaveUp: false, restartAt: null };
}

/** Builds the exit as recorded: PM2 7.0.4 passes code 0 along with the signal for a killed process. */
export function processExit(code: number | null | undefined, signal: string | null | undefined): ProcessExit {
  return typeof signal === 'string' && signal !== '' ? { code: null, signal } : { code: code ?? 0, signal: null };
}

/** The parts of PM2's God object and app records that the policy touches. */
interface Pm2Env {
  name: string;
  pm_id: number;
  status: string;
  pm_uptime: number;
  min_uptime?: number;
  max_restarts?: number;
  autorestart?: boolean | string;
  stop_exit_codes?: unknown;
  unstable_restarts?: number;
  prev_restart_delay?: number;
  restart_delay?: number | string;
  exp_backoff_restart_delay?: number | string;
  env?: Record<string, unknown>;
  [RECORD_FIELD]?: RestartRecord;
}

interface Pm2App {
  pm2_env: Pm2Env;
  process: { pid: number };
}

export interface God {
  clusters_db: Record<number, Pm2App | null>;
  handleExit(app: Pm2App, exitCode: number, signal?: string | null): unknown;
  notify(event: string, app: Pm2App): void;
}

/** Statuses in which PM2 7.0.4 treats an exit as requested and does not restart. */
const STOPPING_STATUSES = ['stopping', 'stopped', 'errored'];

function isComponent(env: Pm2Env): boolean {
  return typeof env.env?.IMAGESERVING_HOME === 'string';
}

/** Mirrors the test at the top of PM2 7.0.4's handleExit that decides whether an exit gets a restart. */
function willRestart(env: Pm2Env, exitCode: number): boolean {
  const codes = env.stop_exit_codes === undefined || env.stop_exit_codes === null ? [] : [env.stop_exit_codes].flat();
  const stopCodes = codes.map((code) => (typeof code === 'string' ? Number.parseInt(code, 10) : code));

  return !STOPPING_STATUSES.includes(env.status) && env.autorestart !== false && env.autorestart !== 'false' && !stopCodes.includes(exitCode);
}

function scheduledDelay(env: Pm2Env): number {
  if (env.exp_backoff_restart_delay !== undefined) {
    return env.prev_restart_delay ?? 0;
  }

  const delay = Number.parseInt(String(env.restart_delay ?? 0), 10);
  return Number.isNaN(delay) ? 0 : delay;
}

/** Runs PM2's handler for an exit that gets a restart, with PM2's own quick-exit count switched off. */
function restartAfterCrash(god: God, original: God['handleExit'], app: Pm2App, exitCode: number, signal: string | null | undefined): void {
  const env = app.pm2_env;
  const maxRestarts = env.max_restarts;

  env.max_restarts = Number.POSITIVE_INFINITY;
  try {
    original.call(god, app, exitCode, signal);
  } finally {
    env.max_restarts = maxRestarts;
  }

  const record = env[RECORD_FIELD];
  if (record !== undefined) {
    record.restartAt = record.exitedAt + scheduledDelay(env);
    env.unstable_restarts = record.quickExits;
    console.log(
      `App [${env.name}:${env.pm_id}] ImageServing restart policy: ${record.quickExits} quick exit(s) in a row, restart in ${scheduledDelay(env)}ms`,
    );
  }
  // The dead pid would otherwise stay on record while the restart waits for its delay.
  app.process.pid = 0;
}

/** Runs PM2's handler for the exit that ends a crash loop, and leaves the app errored. */
function giveUp(god: God, original: God['handleExit'], app: Pm2App, exitCode: number, signal: string | null | undefined): void {
  const env = app.pm2_env;

  // An errored app counts as stopping in PM2's handler, so it schedules no restart.
  env.status = 'errored';
  original.call(god, app, exitCode, signal);
  // PM2 7.0.4 sets "waiting restart" after that when a backoff is configured.
  env.status = 'errored';
  app.process.pid = 0;

  console.log(
    `App [${env.name}:${env.pm_id}] ImageServing restart policy: gave up after ${env.max_restarts ?? 0} restart(s) in a row ` +
      `that each ended within ${env.min_uptime ?? 0}ms; left errored`,
  );
  god.notify('restart overlimit', app);
}

/**
 * Wraps god.handleExit so that Image Serving components, the apps that carry
 * an IMAGESERVING_HOME variable, follow this policy. Other apps keep PM2's.
 */
export function installRestartPolicy(god: God): void {
  const original = god.handleExit;

  god.handleExit = function handleExit(app: Pm2App, exitCode: number, signal?: string | null): unknown {
    const current = god.clusters_db[app.pm2_env.pm_id];
    if (current !== app || !isComponent(app.pm2_env)) {
      return original.call(god, app, exitCode, signal);
    }

    const env = app.pm2_env;
    const now = Date.now();
    const exit = processExit(exitCode, signal);

    if (!willRestart(env, exitCode)) {
      env[RECORD_FIELD] = recordExit(env[RECORD_FIELD], exit, now);
      return original.call(god, app, exitCode, signal);
    }

    const record = recordCrash(env[RECORD_FIELD], {
      exit,
      at: now,
      ranMs: now - env.pm_uptime,
      minUptimeMs: env.min_uptime ?? 1000,
      maxRestarts: env.max_restarts ?? 16,
    });
    env[RECORD_FIELD] = record;

    if (record.quickExits === 0) {
      // A stable run ends the crash loop, so the next restart waits only the first backoff delay.
      env.prev_restart_delay = 0;
    }

    if (record.gaveUp) {
      giveUp(god, original, app, exitCode, signal);
    } else {
      restartAfterCrash(god, original, app, exitCode, signal);
    }
    return false;
  };
}
