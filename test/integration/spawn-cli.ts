import { spawn, type ChildProcess } from 'node:child_process';

import { CLI, PACKAGE_ROOT, type Sandbox } from './harness';

/** A CLI command that runs until it is interrupted, with its output collected as it arrives. */
export interface RunningCommand {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves once stdout matches, or rejects after timeoutMs with what was printed. */
  waitForStdout(test: (stdout: string) => boolean, timeoutMs?: number): Promise<string>;
  /** Sends a signal and resolves with the exit code, or the signal's name when it was killed by one. */
  interrupt(signal?: NodeJS.Signals): Promise<number | string>;
}

/** Starts the built CLI against a sandbox without waiting for it to end. The caller must interrupt it. */
export function spawnCli(sandbox: Sandbox, args: string[]): RunningCommand {
  const child = spawn(process.execPath, [CLI, ...args], { env: sandbox.environment(), cwd: PACKAGE_ROOT });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
  });

  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    waitForStdout: (test, timeoutMs = 20_000) =>
      new Promise((resolve, reject) => {
        const started = Date.now();
        const check = (): void => {
          if (test(stdout)) {
            resolve(stdout);
          } else if (Date.now() - started > timeoutMs || child.exitCode !== null) {
            reject(new Error(`output did not match within ${timeoutMs} ms; stdout:\n${stdout}\nstderr:\n${stderr}`));
          } else {
            setTimeout(check, 100);
          }
        };
        check();
      }),
    interrupt: (signal = 'SIGINT') => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill(signal);
      }
      return exited;
    },
  };
}
