import { RECORD_FIELD, type ProcessExit } from './restart-policy';
import type { Pm2Process } from './rpc';

/** A component that keeps exiting within min_uptime of its start. */
export interface CrashLoop {
  /** Restarts in a row, each of which ended within min_uptime. */
  restarts: number;
  /** Whether the supervisor stopped restarting it and left it errored. */
  gaveUp: boolean;
  /** Seconds until the supervisor restarts it, or null when no restart is scheduled. */
  restartInSeconds: number | null;
}

/**
 * Returns how the component's process last ended, as the supervisor recorded
 * it. A daemon without the ImageServing restart policy records only an exit
 * code, and 0 also for a process killed by a signal, so only a nonzero code
 * is trusted from it.
 */
export function lastExitOf(process: Pm2Process): ProcessExit | undefined {
  const record = process.pm2_env[RECORD_FIELD];
  if (record !== undefined) {
    return record.lastExit;
  }

  const code = process.pm2_env.exit_code;
  return typeof code === 'number' && code !== 0 ? { code, signal: null } : undefined;
}

export function describeProcessExit(exit: ProcessExit): string {
  return exit.signal === null ? `exited with code ${exit.code ?? '?'}` : `killed by ${exit.signal}`;
}

/** Short form for the crash-loop line of status: "last exit code 1", "last killed by SIGKILL". */
export function describeLastExit(exit: ProcessExit): string {
  return exit.signal === null ? `last exit code ${exit.code ?? '?'}` : `last killed by ${exit.signal}`;
}

/**
 * Returns the crash loop the component is in, or null. A component that has
 * stayed online for min_uptime since its last restart is out of the loop even
 * before its record resets at the next exit.
 */
export function crashLoopOf(process: Pm2Process, now: number): CrashLoop | null {
  const env = process.pm2_env;
  const record = env[RECORD_FIELD];
  if (record === undefined || record.quickExits === 0) {
    return null;
  }

  // A component that stop (or a failed start) stopped is out of any loop.
  if (env.status === 'stopped' || env.status === 'stopping') {
    return null;
  }

  const online = env.status === 'online' && process.pid > 0;
  const upMs = now - (env.pm_uptime ?? now);
  if (online && upMs >= (env.min_uptime ?? 0)) {
    return null;
  }

  if (record.gaveUp) {
    return { restarts: record.quickExits - 1, gaveUp: true, restartInSeconds: null };
  }

  // While it waits for its next restart, the last quick exit has not been followed by a restart yet.
  const waiting = env.status === 'waiting restart' && record.restartAt !== null;
  return {
    restarts: waiting ? record.quickExits - 1 : record.quickExits,
    gaveUp: false,
    restartInSeconds: waiting ? Math.max(0, ((record.restartAt ?? now) - now) / 1000) : null,
  };
}
