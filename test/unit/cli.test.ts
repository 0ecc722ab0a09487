import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { Command, CommanderError } from 'commander';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { buildProgram, exitCodeOf, reportError, type CommandActions } from '../../src/cli';
import type { ComponentId } from '../../src/config/types';
import { CliError, ConfigError, type ExitCodeValue } from '../../src/errors';

const PACKAGE_ROOT = resolve(__dirname, '..', '..');
const VARIABLES = ['IMAGESERVING_ENV', 'IMAGESERVING_CONFIG_DIR'] as const;

interface ActionCall {
  action: keyof CommandActions;
  options: object;
  component?: ComponentId;
  /** status --watch: the interval; completion: the shell. */
  value?: number | string;
}

/** Builds a program whose actions only record their calls and whose commander output is captured. */
function recordingProgram(actionExitCode: ExitCodeValue = 0) {
  const calls: ActionCall[] = [];
  const exitCodes: ExitCodeValue[] = [];
  const output = { out: '', err: '' };

  const actions: CommandActions = {
    start: async (options) => {
      calls.push({ action: 'start', options });
      return actionExitCode;
    },
    stop: async (options) => {
      calls.push({ action: 'stop', options });
      return actionExitCode;
    },
    restart: async (options, component) => {
      calls.push({ action: 'restart', options, component });
      return actionExitCode;
    },
    status: async (options, component) => {
      calls.push({ action: 'status', options, component });
      return actionExitCode;
    },
    statusWatch: async (options, component, seconds) => {
      calls.push({ action: 'statusWatch', options, component, value: seconds });
      return actionExitCode;
    },
    logs: async (options, component) => {
      calls.push({ action: 'logs', options, component });
      return actionExitCode;
    },
    monit: async (options) => {
      calls.push({ action: 'monit', options });
      return actionExitCode;
    },
    configValidate: async (options) => {
      calls.push({ action: 'configValidate', options });
      return actionExitCode;
    },
    configShow: async (options) => {
      calls.push({ action: 'configShow', options });
      return actionExitCode;
    },
    startup: async (options) => {
      calls.push({ action: 'startup', options });
      return actionExitCode;
    },
    completion: async (shell) => {
      calls.push({ action: 'completion', options: {}, value: shell });
      return actionExitCode;
    },
  };

  const program = buildProgram(actions, (code) => exitCodes.push(code));
  const capture = {
    writeOut: (text: string) => {
      output.out += text;
    },
    writeErr: (text: string) => {
      output.err += text;
    },
  };
  for (const command of [program, ...program.commands, ...program.commands.flatMap((child) => child.commands)]) {
    command.configureOutput(capture);
  }

  return { program, calls, exitCodes, output };
}

function parse(program: Command, argv: string[]): Promise<Command> {
  return program.parseAsync(['node', 'ImageServing', ...argv]);
}

/** Parses argv and returns the CommanderError it throws. */
async function parseError(program: Command, argv: string[]): Promise<CommanderError> {
  try {
    await parse(program, argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      return error;
    }
    throw error;
  }

  throw new Error(`parsing ${argv.join(' ')} succeeded, expected a CommanderError`);
}

// commander reads IMAGESERVING_ENV and IMAGESERVING_CONFIG_DIR when it parses,
// so each test starts without them and gets the caller's values back after.
const savedVariables = new Map<string, string | undefined>();

beforeEach(() => {
  for (const name of VARIABLES) {
    savedVariables.set(name, process.env[name]);
    delete process.env[name];
  }
});

afterEach(() => {
  for (const name of VARIABLES) {
    const value = savedVariables.get(name);
    if (value === undefined) {
      delete process.env[name];
    } else {
      process.env[name] = value;
    }
  }
});

/**
 * Splits a command line as a shell would for these simple cases. Leading
 * NAME=value words set environment variables, and the rest are arguments.
 */
function splitLine(line: string): { argv: string[]; variables: Record<string, string> } {
  const words = line.split(' ');
  const variables: Record<string, string> = {};

  while (words.length > 0 && /^[A-Z_]+=/.test(words[0])) {
    const [name, value] = words[0].split('=');
    variables[name] = value;
    words.shift();
  }

  return { argv: words, variables };
}

const COMMAND_CASES: { line: string; call: ActionCall }[] = [
  { line: 'start', call: { action: 'start', options: {} } },
  { line: 'stop', call: { action: 'stop', options: {} } },
  { line: 'restart', call: { action: 'restart', options: {}, component: undefined } },
  { line: 'restart svg', call: { action: 'restart', options: {}, component: 'svg' } },
  { line: 'start --json', call: { action: 'start', options: { json: true } } },
  { line: 'stop --json', call: { action: 'stop', options: { json: true } } },
  { line: 'restart --json', call: { action: 'restart', options: { json: true }, component: undefined } },
  { line: '--env production restart is --json', call: { action: 'restart', options: { env: 'production', json: true }, component: 'is' } },
  { line: 'status', call: { action: 'status', options: {}, component: undefined } },
  { line: 'status is --json', call: { action: 'status', options: { json: true }, component: 'is' } },
  { line: 'status --json ps', call: { action: 'status', options: { json: true }, component: 'ps' } },
  { line: '--env production start', call: { action: 'start', options: { env: 'production' } } },
  { line: 'stop --env=production', call: { action: 'stop', options: { env: 'production' } } },
  {
    line: '--config-dir /etc/imageserving restart ps',
    call: { action: 'restart', options: { configDir: '/etc/imageserving' }, component: 'ps' },
  },
  {
    line: 'status svg --env staging --config-dir conf --json',
    call: { action: 'status', options: { env: 'staging', configDir: 'conf', json: true }, component: 'svg' },
  },
  // Values from the variables stay out of the options: locateConfig reads them and records where they came from.
  { line: 'IMAGESERVING_ENV=staging status', call: { action: 'status', options: {}, component: undefined } },
  { line: 'IMAGESERVING_ENV=staging --env production start', call: { action: 'start', options: { env: 'production' } } },
  { line: 'IMAGESERVING_CONFIG_DIR=/srv/imageserving stop', call: { action: 'stop', options: {} } },
  {
    line: 'IMAGESERVING_CONFIG_DIR=/srv/imageserving --config-dir /etc/imageserving stop',
    call: { action: 'stop', options: { configDir: '/etc/imageserving' } },
  },
  { line: 'status --watch', call: { action: 'statusWatch', options: {}, component: undefined, value: undefined } },
  { line: 'status svg --watch 5', call: { action: 'statusWatch', options: {}, component: 'svg', value: 5 } },
  { line: 'status --watch 1.5 is', call: { action: 'statusWatch', options: {}, component: 'is', value: 1.5 } },
  { line: 'status --watch 86400', call: { action: 'statusWatch', options: {}, component: undefined, value: 86400 } },
  { line: 'logs', call: { action: 'logs', options: {}, component: undefined } },
  { line: 'logs is --lines 50 --follow', call: { action: 'logs', options: { lines: 50, follow: true }, component: 'is' } },
  { line: 'logs -n 3 -f ps', call: { action: 'logs', options: { lines: 3, follow: true }, component: 'ps' } },
  { line: 'logs --reopen', call: { action: 'logs', options: { reopen: true }, component: undefined } },
  { line: '--env production monit', call: { action: 'monit', options: { env: 'production' } } },
  { line: 'config validate --env production', call: { action: 'configValidate', options: { env: 'production' } } },
  { line: 'config show --json', call: { action: 'configShow', options: { json: true } } },
  {
    line: 'startup --write /etc/systemd/system/imageserving.service --user imageserving',
    call: { action: 'startup', options: { write: '/etc/systemd/system/imageserving.service', user: 'imageserving' } },
  },
  { line: 'completion zsh', call: { action: 'completion', options: {}, value: 'zsh' } },
];

describe('buildProgram commands', () => {
  it.each(COMMAND_CASES)('$line', async ({ line, call }) => {
    const { argv, variables } = splitLine(line);
    Object.assign(process.env, variables);
    const { program, calls, exitCodes } = recordingProgram();

    await parse(program, argv);

    expect(calls).toEqual([call]);
    expect(exitCodes).toEqual([0]);
  });

  it('passes action exit code on', async () => {
    const { program, exitCodes } = recordingProgram(3);

    await parse(program, ['status', 'is']);

    expect(exitCodes).toEqual([3]);
  });
});

const USAGE_ERRORS: { line: string; code: string }[] = [
  { line: 'launch', code: 'commander.unknownCommand' },
  { line: 'restart xs', code: 'commander.invalidArgument' },
  { line: 'status web', code: 'commander.invalidArgument' },
  { line: 'start now', code: 'commander.excessArguments' },
  { line: 'status is svg', code: 'commander.excessArguments' },
  { line: 'status --jsn', code: 'commander.unknownOption' },
  { line: '--env', code: 'commander.optionMissingArgument' },
  { line: 'logs --lines 0', code: 'commander.invalidArgument' },
  { line: 'logs --lines ten', code: 'commander.invalidArgument' },
  { line: 'logs --lines 2.5', code: 'commander.invalidArgument' },
  { line: 'logs --lines', code: 'commander.optionMissingArgument' },
  { line: 'status --watch 0.5', code: 'commander.invalidArgument' },
  { line: 'status --watch soon', code: 'commander.invalidArgument' },
  { line: 'config check', code: 'commander.unknownCommand' },
  { line: 'completion fish', code: 'commander.invalidArgument' },
  { line: 'completion', code: 'commander.missingArgument' },
];

describe('buildProgram usage errors', () => {
  it.each(USAGE_ERRORS)('$line exits 2', async ({ line, code }) => {
    const { program, calls, exitCodes } = recordingProgram();

    const error = await parseError(program, line.split(' '));

    expect(error.code).toBe(code);
    expect(exitCodeOf(error)).toBe(2);
    expect(calls).toEqual([]);
    expect(exitCodes).toEqual([]);
  });

  it('unknown component names choices', async () => {
    const { program, output } = recordingProgram();

    await parseError(program, ['restart', 'xs']);

    expect(output.err).toBe(
      "error: command-argument value 'xs' is invalid for argument 'component'. Allowed choices are ps, is, svg.\n" +
        '(run "ImageServing restart --help" for usage)\n',
    );
  });

  it('unknown command lists commands', async () => {
    const { program, output } = recordingProgram();

    await parseError(program, ['launch']);

    expect(output.err).toBe(
      "error: unknown command 'launch'\n" +
        'valid commands: start, stop, restart, status, logs, monit, config, startup, completion; run "ImageServing --help" for details\n',
    );
  });

  it('bad --lines names the value', async () => {
    const { program, output } = recordingProgram();

    await parseError(program, ['logs', '--lines', 'ten']);

    expect(output.err).toBe(
      "error: option '-n, --lines <count>' argument 'ten' is invalid. Expected a whole number of at least 1, such as 50.\n" +
        '(run "ImageServing logs --help" for usage)\n',
    );
  });

  it.each(['0', '1e9', '86401'])('bad --watch %s names the range', async (value) => {
    const { program, output } = recordingProgram();

    await parseError(program, ['status', '--watch', value]);

    expect(output.err).toBe(
      `error: option '--watch [seconds]' argument '${value}' is invalid. ` +
        'Expected a number of seconds from 1 to 86400 (one day), such as 2 or 1.5.\n' +
        '(run "ImageServing status --help" for usage)\n',
    );
  });

  it('config subcommand error names it', async () => {
    const { program, output } = recordingProgram();

    await parseError(program, ['config', 'show', 'extra']);

    expect(output.err).toContain('(run "ImageServing config show --help" for usage)');
  });
});

describe('buildProgram help and version', () => {
  it.each(['--help', '-h', 'help', 'status --help', '--version', '-V'])('%s exits 0', async (line) => {
    const { program, calls } = recordingProgram();

    const error = await parseError(program, line.split(' '));

    expect(exitCodeOf(error)).toBe(0);
    expect(calls).toEqual([]);
  });

  it('--version prints package version', async () => {
    const { version } = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string };
    const { program, output } = recordingProgram();

    await parseError(program, ['--version']);

    expect(output.out).toBe(`${version}\n`);
  });

  it('--help lists exit codes', async () => {
    const { program, output } = recordingProgram();

    await parseError(program, ['--help']);

    expect(output.out).toContain('\nExit codes:\n  0  success (status: all requested components online)\n');
    expect(output.out).toContain('\n  7  restart COMPONENT, monit: supervisor not running');
  });
});

describe('exitCodeOf', () => {
  it('CliError gives its code', () => {
    expect(exitCodeOf(new CliError('executable missing', 5))).toBe(5);
  });

  it('ConfigError gives 6', () => {
    expect(exitCodeOf(new ConfigError(['config/staging.yaml:1:1 (top level): problem']))).toBe(6);
  });

  it('other errors give 1', () => {
    expect(exitCodeOf(new Error('boom'))).toBe(1);
    expect(exitCodeOf('boom')).toBe(1);
  });
});

describe('reportError', () => {
  /** Calls reportError and returns what it wrote to stderr. */
  function reported(error: unknown): string[] {
    const writes: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      writes.push(String(chunk));
      return true;
    });
    try {
      reportError(error);
    } finally {
      spy.mockRestore();
    }
    return writes;
  }

  it('permission error: one line, no stack', () => {
    const folder = mkdtempSync(join(tmpdir(), 'ims-report-'));
    const file = join(folder, 'pm2', 'lock');
    // The shape of the error Node.js throws when open() is denied.
    const error = Object.assign(new Error(`EACCES: permission denied, open '${file}'`), { code: 'EACCES', syscall: 'open', path: file });

    try {
      expect(reported(error)).toEqual([
        `error: cannot open ${file}: permission denied (EACCES); ${folder} belongs to this account (uid ${userInfo().uid}), ` +
          'so check the mode of it and of the folders above it\n',
      ]);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('permission error without path', () => {
    const error = Object.assign(new Error('kill EPERM'), { code: 'EPERM', syscall: 'kill', errno: -1 });

    expect(reported(error)).toEqual(['error: kill failed: permission denied (EPERM); run the command as the account that owns the installation\n']);
  });

  it('other errors keep the stack', () => {
    const [line] = reported(new Error('boom'));

    expect(line).toMatch(/^error: unexpected failure: Error: boom\n\s+at /);
  });
});
