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
import type { GlobalOptions } from './commands/options';
import type { StatusOptions } from './commands/status';
import { paint } from './output';
import { packageVersion } from './package-root';

const EXIT_CODES_HELP = `
Exit codes:
  0  success (status: all requested components online)
  1  a component failed to start or stop, or the command failed
  2  usage error
  3  status: supervisor not running, or a requested component not online
  4  status unknown: the supervisor did not answer
  5  an executable or working folder is missing
  6  invalid configuration
  7  restart COMPONENT: supervisor not running`;

function componentArgument(): Argument {
  return new Argument('[component]', 'one component: ps (Platform Server), is (Image Server) or svg (SVG server)').choices(
    COMPONENT_IDS,
  );
}

/** Actions behind the commands: the CLI loads the real ones lazily, and tests pass recorders. */
export interface CommandActions {
  start(options: GlobalOptions): Promise<ExitCodeValue>;
  stop(options: GlobalOptions): Promise<ExitCodeValue>;
  restart(options: GlobalOptions, component: ComponentId | undefined): Promise<ExitCodeValue>;
  status(options: StatusOptions, component: ComponentId | undefined): Promise<ExitCodeValue>;
}

const lazyActions: CommandActions = {
  start: async (options) => (await import('./commands/start.js')).runStart(options),
  stop: async (options) => (await import('./commands/stop.js')).runStop(options),
  restart: async (options, component) => (await import('./commands/restart.js')).runRestart(options, component),
  status: async (options, component) => (await import('./commands/status.js')).runStatus(options, component),
};

export function buildProgram(actions: CommandActions, setExitCode: (code: ExitCodeValue) => void): Command {
  const program = new Command('ImageServing')
    .description('Control the Image Serving components (ps, is, svg) under their PM2 supervisor.')
    .version(packageVersion(), '-V, --version', 'print the version')
    .addOption(new Option('--env <name>', 'environment: config/NAME.yaml over config/default.yaml').env('IMAGESERVING_ENV'))
    .addOption(new Option('--config-dir <dir>', 'folder with default.yaml and the environment files').env('IMAGESERVING_CONFIG_DIR'))
    .configureHelp({ showGlobalOptions: true })
    .showHelpAfterError('valid commands: start, stop, restart [ps|is|svg], status [ps|is|svg] [--json]; run "ImageServing --help" for details')
    .addHelpText('after', EXIT_CODES_HELP)
    .exitOverride();

  program
    .command('start')
    .description('start the supervisor and every component, in priority order')
    .action(async () => setExitCode(await actions.start(program.opts())));

  program
    .command('stop')
    .description('stop every component, then the supervisor')
    .action(async () => setExitCode(await actions.stop(program.opts())));

  program
    .command('restart')
    .description('restart everything, supervisor included; or only the named component, with the settings now in the YAML')
    .addArgument(componentArgument())
    .action(async (component: ComponentId | undefined) => setExitCode(await actions.restart(program.opts(), component)));

  program
    .command('status')
    .description('report uptime and memory of every component, or of the named one')
    .addArgument(componentArgument())
    .option('--json', 'print one JSON document with raw numbers (seconds, bytes)')
    .action(async (component: ComponentId | undefined, options: { json?: boolean }) =>
      setExitCode(await actions.status({ ...program.opts(), ...options }, component)),
    );

  for (const command of program.commands) {
    command.exitOverride().showHelpAfterError(`(run "ImageServing ${command.name()} --help" for usage)`);
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

function reportError(error: unknown): void {
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
  } else {
    const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
    process.stderr.write(`${prefix} unexpected failure: ${detail}\n`);
  }
}

export async function main(argv: string[]): Promise<void> {
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
