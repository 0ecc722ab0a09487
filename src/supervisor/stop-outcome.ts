import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { constants } from 'node:os';

/** The way a stopped process ended, as the PM2 daemon logged it. */
export interface StopOutcome {
  /** True when PM2 had to send SIGKILL after the app's kill_timeout. */
  forced: boolean;
  exitCode?: number;
  signal?: string;
}

/** Size of the daemon log now, so that later reads see only what the stop adds. */
export function logSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

function readFrom(file: string, offset: number): string | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const length = Math.max(0, statSync(file).size - offset);
    const buffer = Buffer.alloc(length);
    const read = readSync(fd, buffer, 0, length, offset);
    return buffer.subarray(0, read).toString('utf8');
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) {
      closeSync(fd);
    }
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Reads how an app's process ended from the lines the PM2 daemon logged since
 * `offset`. Returns undefined when the log cannot be read. A process ended by
 * SIGINT reads as "exited with code 0", since PM2 logs no signal as SIGINT.
 *
 * NOTE: this parses the daemon's own messages as PM2 7.0.4 writes them
 * (lib/God.js handleExit and lib/God/Methods.js processIsDead), because PM2
 * reports neither the signal nor a forced kill over its API.
 */
export function readStopOutcome(
  logFile: string,
  offset: number,
  app: { name: string; pmId: number; pid: number },
): StopOutcome | undefined {
  const text = readFrom(logFile, offset);
  if (text === undefined) {
    return undefined;
  }

  const forced = text.includes(`Process with pid ${app.pid} still alive after`);
  const exit = new RegExp(`App \\[${escapeRegExp(app.name)}:${app.pmId}\\] exited with code \\[(\\w+)\\] via signal \\[(\\w+)\\]`).exec(text);
  if (exit === null) {
    return { forced };
  }

  // PM2 7.0.4 logs `code || 0`, so a process ended by a signal shows code 0 (or null) with that
  // signal, and one that exited on its own shows its code with SIGINT, the stand-in for no signal.
  const [, code, signal] = exit;
  if (code === 'null' || (code === '0' && signal !== 'SIGINT')) {
    return { forced, signal };
  }
  return { forced, exitCode: Number(code) };
}

/** Puts an exit code or signal in words: "exited with code 143 (128 + SIGTERM)", "ended by SIGTERM". */
export function describeEnding(outcome: StopOutcome): string | undefined {
  if (outcome.signal !== undefined) {
    return `ended by ${outcome.signal}`;
  }
  const code = outcome.exitCode;
  if (code === undefined) {
    return undefined;
  }

  const signal = Object.entries(constants.signals).find(([, number]) => number === code - 128)?.[0];
  const meaning = code > 128 && signal !== undefined ? ` (128 + ${signal})` : '';
  return `exited with code ${code}${meaning}`;
}
