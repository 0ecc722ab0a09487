import type { Command } from 'commander';

import { packagedConfigDir } from '../config/locate';
import { renderBashCompletion } from '../completion/bash';
import { completionSpec } from '../completion/spec';
import { renderZshCompletion } from '../completion/zsh';
import { ExitCode, type ExitCodeValue } from '../errors';
import { result } from '../output';

export type CompletionShell = 'bash' | 'zsh';

/** Prints the completion script for a shell, built from the program's own declaration of commands and options. */
export function runCompletion(shell: CompletionShell, program: Command): Promise<ExitCodeValue> {
  const spec = completionSpec(program);
  const script = shell === 'bash' ? renderBashCompletion(spec, packagedConfigDir()) : renderZshCompletion(spec, packagedConfigDir());

  result(script);
  return Promise.resolve(ExitCode.ok);
}
