import type { ComponentId } from '../config/types';
import { CliError, ExitCode, type ExitCodeValue } from '../errors';
import { paint, result } from '../output';
import { untilInterrupted } from './interrupt';
import { runStatus, type StatusOptions } from './status';

export const DEFAULT_WATCH_SECONDS = 2;

/** ANSI: cursor home, then erase the screen. */
const CLEAR_SCREEN = '\u001b[H\u001b[2J';

function header(seconds: number): string {
  // Local wall-clock time, as watch(1) shows it: HH:MM:SS.
  const time = new Date().toTimeString().slice(0, 8);

  return `every ${seconds}s: ImageServing status (Ctrl-C to stop)   ${time}`;
}

/** Prints one report; an unanswered status (exit 4) is shown and the watch goes on. */
async function drawOnce(options: StatusOptions, component: ComponentId | undefined, seconds: number): Promise<void> {
  if (process.stdout.isTTY === true) {
    process.stdout.write(CLEAR_SCREEN);
  }
  result(header(seconds));

  try {
    await runStatus(options, component);
  } catch (error) {
    if (!(error instanceof CliError) || error.exitCode !== ExitCode.unknown) {
      throw error;
    }
    process.stderr.write(`${paint('red', 'error:')} ${error.message}\n`);
  }

  result('');
}

async function drawForever(options: StatusOptions, component: ComponentId | undefined, seconds: number): Promise<never> {
  for (;;) {
    await drawOnce(options, component, seconds);
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  }
}

/**
 * Redraws the status report every `seconds` until SIGINT or SIGTERM, which
 * end it with exit 0. The screen is cleared only on a terminal, so piped
 * output is a plain sequence of reports.
 */
export async function runStatusWatch(
  options: StatusOptions,
  component: ComponentId | undefined,
  seconds: number = DEFAULT_WATCH_SECONDS,
): Promise<ExitCodeValue> {
  if (options.json === true) {
    throw new CliError('status --watch redraws the table and takes no --json; run "status --json" once per sample instead', ExitCode.usage);
  }

  await Promise.race([drawForever(options, component, seconds), untilInterrupted()]);
  return ExitCode.ok;
}
