/**
 * Exit codes of the ImageServing command. They follow the LSB init-script
 * conventions, so monitoring written for `/etc/init.d` scripts reads them
 * the same way.
 */
export const ExitCode = {
  ok: 0,
  failed: 1,
  usage: 2,
  notRunning: 3,
  unknown: 4,
  notInstalled: 5,
  invalidConfig: 6,
  supervisorNotRunning: 7,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * An error that ends the command with a documented exit code. Deeper code
 * throws it; only the entry point prints it and exits.
 */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCodeValue,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** A configuration that failed to load, with every problem found. */
export class ConfigError extends CliError {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'), ExitCode.invalidConfig);
    this.name = 'ConfigError';
  }
}

/** Descriptions of the PM2 RPC methods, in the words messages use. */
const CALL_DESCRIPTIONS: Record<string, string> = {
  connect: 'accept a connection',
  getMonitorData: 'list the components',
  getReport: 'report its state',
  stopProcessId: 'stop a component',
  deleteProcessId: 'remove a component',
  killMe: 'shut down',
  reloadLogs: 'reopen the log files',
};

/** A call to the PM2 daemon that timed out. */
export class SupervisorTimeoutError extends CliError {
  constructor(call: string, seconds: number, home: string, exitCode: ExitCodeValue = ExitCode.failed) {
    const request = CALL_DESCRIPTIONS[call] ?? call;
    super(
      `the supervisor did not ${request} within ${seconds} s (PM2 call ${call}); see ${home}/pm2.log. ` +
        `If it stays hung, kill the PM2 daemon whose pid is in ${home}/pm2.pid, then run stop and start`,
      exitCode,
    );
    this.name = 'SupervisorTimeoutError';
  }
}
