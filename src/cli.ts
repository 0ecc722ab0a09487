#!/usr/bin/env node
/**
 * ImageServing: start, stop, restart and report on the Image Serving
 * components (ps, is, svg) under a PM2 daemon of their own. This file only
 * declares the commands. Each action lives in src/commands/ and is loaded
 * when it runs, so a command pays only for the modules it uses.
 */
import { Argument, Command, CommanderError, Option } from 'commander';

import { COMPONENT_IDS, type ComponentId } from './config/types';
import { CliError, ConfigError, ExitCode, type ExitCodeValue } from './errors';
import type { ActionOptions } from './commands/change-tracking';
import type { CompletionShell } from './commands/completion';
import type { ConfigShowOptions } from './commands/config';
import type { LogsOptions } from './commands/logs';
import { commandLineOptions, parseIntervalSeconds, parsePositiveInteger, type GlobalOptions } from './commands/options';
import type { StartupOptions } from './commands/startup';
import type { StatusOptions } from './commands/status';
import { paint } from './output';
import { packageVersion } from './package-root';
import { isPermissionDenied, permissionDeniedError } from './supervisor/permission';

const EXIT_CODES_HELP = `
Exit codes:
  0  success (status: all requested components online)
  1  a component failed to start or stop, or the command failed
  2  usage error
  3  status: supervisor not running, or a requested component not online
  4  status unknown: the supervisor did not answer
  5  an executable or working folder is missing
  6  invalid configuration
  7  restart COMPONENT, monit: supervisor not running`;

const CHANGE_JSON_HELP = "print one JSON document: each component's state and pid before and after, and whether anything changed";

function componentArgument(): Argument {
  return new Argument('[component]', 'one component: ps (Platform Server), is (Image Server) or svg (SVG server)').choices(
    COMPONENT_IDS,
  );
}

/** Actions behind the commands: the CLI loads the real ones lazily, and tests pass recorders. */
export interface CommandActions {
  start(options: ActionOptions): Promise<ExitCodeValue>;
  stop(options: ActionOptions): Promise<ExitCodeValue>;
  restart(options: ActionOptions, component: ComponentId | undefined): Promise<ExitCodeValue>;
  status(options: StatusOptions, component: ComponentId | undefined): Promise<ExitCodeValue>;
  statusWatch(options: StatusOptions, component: ComponentId | undefined, seconds: number | undefined): Promise<ExitCodeValue>;
  logs(options: LogsOptions, component: ComponentId | undefined): Promise<ExitCodeValue>;
  monit(options: GlobalOptions): Promise<ExitCodeValue>;
  configValidate(options: GlobalOptions): Promise<ExitCodeValue>;
  configShow(options: ConfigShowOptions): Promise<ExitCodeValue>;
  startup(options: StartupOptions): Promise<ExitCodeValue>;
  completion(shell: CompletionShell, program: Command): Promise<ExitCodeValue>;
}

const lazyActions: CommandActions = {
  start: async (options) => (await import('./commands/start.js')).runStart(options),
  stop: async (options) => (await import('./commands/stop.js')).runStop(options),
  restart: async (options, component) => (await import('./commands/restart.js')).runRestart(options, component),
  status: async (options, component) => (await import('./commands/status.js')).runStatus(options, component),
  statusWatch: async (options, component, seconds) =>
    (await import('./commands/status-watch.js')).runStatusWatch(options, component, seconds),
  logs: async (options, component) => (await import('./commands/logs.js')).runLogs(options, component),
  monit: async (options) => (await import('./commands/monit.js')).runMonit(options),
  configValidate: async (options) => (await import('./commands/config.js')).runConfigValidate(options),
  configShow: async (options) => (await import('./commands/config.js')).runConfigShow(options),
  startup: async (options) => (await import('./commands/startup.js')).runStartup(options),
  completion: async (shell, program) => (await import('./commands/completion.js')).runCompletion(shell, program),
};

export function buildProgram(actions: CommandActions, setExitCode: (code: ExitCodeValue) => void): Command {
  const program = new Command('ImageServing')
    .description('Control the Image Serving components (ps, is, svg) under their PM2 supervisor.')
    .version(packageVersion(), '-V, --version', 'print the version')
    .addOption(new Option('--env <name>', 'environment: config/NAME.yaml over config/default.yaml').env('IMAGESERVING_ENV'))
    .addOption(new Option('--config-dir <dir>', 'folder with default.yaml and the environment files').env('IMAGESERVING_CONFIG_DIR'))
    .configureHelp({ showGlobalOptions: true })
    .showHelpAfterError('valid commands: start, stop, restart, status, logs, monit, config, startup, completion; run "ImageServing --help" for details')
    .addHelpText('after', EXIT_CODES_HELP)
    .exitOverride();
  const globals = (): GlobalOptions => commandLineOptions(program);

  program
    .command('start')
    .description('start the supervisor and every component, in priority order')
    .option('--json', CHANGE_JSON_HELP)
    .action(async (options: { json?: boolean }) => setExitCode(await actions.start({ ...globals(), ...options })));

  program
    .command('stop')
    .description('stop every component, then the supervisor')
    .option('--json', CHANGE_JSON_HELP)
    .action(async (options: { json?: boolean }) => setExitCode(await actions.stop({ ...globals(), ...options })));

  program
    .command('restart')
    .description('restart everything, supervisor included; or only the named component, with the settings now in the YAML')
    .addArgument(componentArgument())
    .option('--json', CHANGE_JSON_HELP)
    .action(async (component: ComponentId | undefined, options: { json?: boolean }) =>
      setExitCode(await actions.restart({ ...globals(), ...options }, component)),
    );

  program
    .command('status')
    .description('report uptime and memory of every component, or of the named one')
    .addArgument(componentArgument())
    .option('--json', 'print one JSON document with raw numbers (seconds, bytes)')
    .option('--watch [seconds]', 'redraw the report every SECONDS (default 2, from 1 to 86400) until Ctrl-C', parseIntervalSeconds)
    .action(async (component: ComponentId | undefined, options: { json?: boolean; watch?: number | true }) => {
      const { watch, ...rest } = options;
      const merged = { ...globals(), ...rest };
      setExitCode(
        watch === undefined
          ? await actions.status(merged, component)
          : await actions.statusWatch(merged, component, watch === true ? undefined : watch),
      );
    });

  program
    .command('logs')
    .description("print the components' log lines, newest last, each with its component and stream in front")
    .addArgument(componentArgument())
    .option('-n, --lines <count>', 'lines per component (default 20)', parsePositiveInteger)
    .option('-f, --follow', 'keep printing new lines until Ctrl-C')
    .option('--reopen', 'make the supervisor reopen every log file, after logrotate moved them away')
    .action(async (component: ComponentId | undefined, options: Omit<LogsOptions, keyof GlobalOptions>) =>
      setExitCode(await actions.logs({ ...globals(), ...options }, component)),
    );

  program
    .command('monit')
    .description("open PM2's terminal dashboard (pm2 monit) on this installation's supervisor")
    .action(async () => setExitCode(await actions.monit(globals())));

  const config = program.command('config').description('check or print the configuration without touching PM2');
  config
    .command('validate')
    .description('validate the configuration as start does; exit 0 when valid, 6 when not')
    .action(async () => setExitCode(await actions.configValidate(globals())));
  config
    .command('show')
    .description('print the resolved settings and the PM2 apps they become, secret values masked')
    .option('--json', 'print one JSON document')
    .action(async (options: { json?: boolean }) => setExitCode(await actions.configShow({ ...globals(), ...options })));

  program
    .command('startup')
    .description('print a systemd unit that starts the components at boot and stops them at shutdown')
    .option('--write <path>', 'write the unit to PATH instead of printing it')
    .option('--user <account>', 'account the unit runs as (default: the owner of the supervisor home)')
    .action(async (options: { write?: string; user?: string }) =>
      setExitCode(await actions.startup({ ...globals(), ...options })),
    );

  program
    .command('completion')
    .description('print the shell completion script for bash or zsh')
    .addArgument(new Argument('<shell>', 'bash or zsh').choices(['bash', 'zsh']))
    .action(async (shell: CompletionShell) => setExitCode(await actions.completion(shell, program)));

  for (const command of [...program.commands, ...config.commands]) {
    const path = command.parent === program ? command.name() : `${command.parent?.name()} ${command.name()}`;
    command.exitOverride().showHelpAfterError(`(run "ImageServing ${path} --help" for usage)`);
  }

  return program;
}

export function exitCodeOf(error: unknown): ExitCodeValue {
  if (error instanceof CliError) {
    return error.exitCode;
  }

  if (error instanceof CommanderError) {
    // --help and --version end with exit code 0; help shown for a missing command does not.
    return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
  }

  return ExitCode.failed;
}

/** Prints an error on stderr: one line for a known failure, one per problem for an invalid configuration, the stack for an unexpected one. */
export function reportError(error: unknown): void {
  if (error instanceof CommanderError) {
    // commander has already printed its message and the usage hint.
    return;
  }

  const prefix = paint('red', 'error:');
  if (error instanceof ConfigError) {
    process.stderr.write(
      `${prefix} invalid configuration (exit 6); nothing was started or stopped:\n${error.problems.join('\n')}\n`,
    );
  } else if (error instanceof CliError) {
    process.stderr.write(`${prefix} ${error.message}\n`);
  } else if (isPermissionDenied(error)) {
    // Commands turn the usual cases into their own messages; this catches the rest, never with a stack trace.
    process.stderr.write(`${prefix} ${permissionDeniedError(error).message}\n`);
  } else {
    const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
    process.stderr.write(`${prefix} unexpected failure: ${detail}\n`);
  }
}

/** Ends quietly when stdout's reader goes away (`status --watch | head`), as command-line tools do. */
function exitOnClosedStdout(error: NodeJS.ErrnoException): void {
  if (error.code === 'EPIPE') {
    process.exit(ExitCode.ok);
  }
  throw error;
}

export async function main(argv: string[]): Promise<void> {
  process.stdout.on('error', exitOnClosedStdout);
  let exitCode: ExitCodeValue = ExitCode.ok;
  const program = buildProgram(lazyActions, (code) => {
    exitCode = code;
  });

  if (argv.length <= 2) {
    program.outputHelp({ error: true });
    process.exit(ExitCode.usage);
  }

  try {
    await program.parseAsync(argv);
  } catch (error) {
    reportError(error);
    exitCode = exitCodeOf(error);
  }

  // PM2's client keeps sockets and timers open, so exit as soon as the result is printed.
  process.exit(exitCode);
}

if (require.main === module) {
  void main(process.argv);
}
