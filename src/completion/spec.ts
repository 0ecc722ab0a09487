import type { Command, Option } from 'commander';

/** Words a shell offers after a command, and its subcommands. */
export interface CommandSpec {
  name: string;
  /** Options and argument choices, such as --json, ps, is, svg. */
  words: string[];
  subcommands: CommandSpec[];
}

/** What the completion scripts need to know about the command line, read from its commander declaration. */
export interface CompletionSpec {
  globalOptions: string[];
  /** Options whose next word is their value, so it is neither a command nor completed as one. */
  valueOptions: string[];
  commands: CommandSpec[];
}

function longFlag(option: Option): string | undefined {
  return option.long ?? undefined;
}

function commandSpec(command: Command): CommandSpec {
  const options = command.options.map(longFlag).filter((flag): flag is string => flag !== undefined);
  const choices = command.registeredArguments.flatMap((argument) => argument.argChoices ?? []);

  return {
    name: command.name(),
    words: [...choices, ...options, '--help'],
    subcommands: command.commands.map(commandSpec),
  };
}

/** Walks the program's commands and options, so the scripts stay in step with what the CLI accepts. */
export function completionSpec(program: Command): CompletionSpec {
  const all = [program, ...program.commands, ...program.commands.flatMap((command) => command.commands)];
  const valueOptions = all.flatMap((command) => command.options.filter((option) => option.required).map(longFlag));

  return {
    globalOptions: [...program.options.map(longFlag), '--help'].filter((flag): flag is string => flag !== undefined),
    valueOptions: [...new Set(valueOptions.filter((flag): flag is string => flag !== undefined))],
    commands: program.commands.filter((command) => command.name() !== 'help').map(commandSpec),
  };
}
