/**
 * Resolves when the command is interrupted by SIGINT (Ctrl-C) or SIGTERM.
 * Commands that run until interrupted (logs --follow, status --watch) treat
 * that as their normal end, so the handlers replace Node's default of dying
 * by the signal and the entry point exits 0.
 */
export function untilInterrupted(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(signal);
    };

    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
