import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';

import { loadConfig } from '../config/load';
import type { Config } from '../config/types';
import { CliError, ExitCode, type ExitCodeValue } from '../errors';
import { openRunningSupervisor } from '../supervisor/session';
import { configOptions, type GlobalOptions } from './options';

/** The program, arguments and environment `monit` runs. */
export interface MonitInvocation {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
}

/**
 * Builds the `pm2 monit` call for this installation: the pm2 that ships with
 * the package, run by this Node.js, with PM2_HOME set to the supervisor's home.
 */
export function monitInvocation(config: Config, source: NodeJS.ProcessEnv = process.env): MonitInvocation {
  const pm2Bin = join(dirname(require.resolve('pm2/package.json')), 'bin', 'pm2');

  return {
    command: process.execPath,
    args: [pm2Bin, 'monit'],
    env: { ...source, PM2_HOME: config.supervisor.home },
  };
}

/** Runs the dashboard in the foreground and returns how it ended. */
function runForeground(invocation: MonitInvocation): Promise<ExitCodeValue> {
  // Ctrl-C reaches pm2 monit and this process alike; pm2 monit decides when to end.
  const ignoreInterrupt = (): void => undefined;
  process.on('SIGINT', ignoreInterrupt);

  return new Promise((resolve, reject) => {
    const child = spawn(invocation.command, invocation.args, { env: invocation.env, stdio: 'inherit' });

    child.once('error', (error) => {
      process.off('SIGINT', ignoreInterrupt);
      reject(new CliError(`could not run pm2 monit: ${error.message}`, ExitCode.failed));
    });
    child.once('exit', (code, signal) => {
      process.off('SIGINT', ignoreInterrupt);
      if (code === 0 || signal === 'SIGINT' || signal === 'SIGTERM') {
        resolve(ExitCode.ok);
      } else {
        const ending = signal === null ? `exited with code ${code}` : `was killed by ${signal}`;
        reject(new CliError(`pm2 monit ${ending}`, ExitCode.failed));
      }
    });
  });
}

/**
 * Opens PM2's terminal dashboard on this installation's supervisor. It never
 * runs pm2 without a supervisor, because the pm2 command would then spawn a
 * daemon of its own in that PM2_HOME, one that stops components with SIGINT.
 */
export async function runMonit(options: GlobalOptions): Promise<ExitCodeValue> {
  const config = loadConfig(configOptions(options));

  // Opening a session also rejects a supervisor that belongs to another account.
  const session = await openRunningSupervisor(config);
  session?.connection.close();
  if (session === undefined) {
    throw new CliError(
      `the supervisor is not running (home ${config.supervisor.home}); start it with "${config.invocation} start", then run monit again`,
      ExitCode.supervisorNotRunning,
    );
  }

  if (process.stdout.isTTY !== true || process.stdin.isTTY !== true) {
    throw new CliError(
      'monit needs a terminal (stdin and stdout must be a TTY); in scripts use "status --json" or "logs --follow"',
      ExitCode.usage,
    );
  }

  return runForeground(monitInvocation(config));
}
