import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { buildProgram, type CommandActions } from '../../../src/cli';
import { renderBashCompletion } from '../../../src/completion/bash';
import { completionSpec } from '../../../src/completion/spec';
import { renderZshCompletion } from '../../../src/completion/zsh';

const program = buildProgram({} as CommandActions, () => undefined);
const spec = completionSpec(program);

let folder: string;
let configDir: string;
let bashScript: string;
let zshScript: string;

beforeAll(() => {
  folder = mkdtempSync(join(tmpdir(), 'imageserving-completion-'));
  configDir = join(folder, 'config');
  mkdirSync(configDir);
  for (const name of ['default.yaml', 'production.yaml', 'staging.yaml']) {
    writeFileSync(join(configDir, name), '');
  }
  bashScript = join(folder, 'imageserving.bash');
  zshScript = join(folder, '_imageserving');
  // The packaged folder is the fallback; here it is the test's folder, with two environments.
  writeFileSync(bashScript, renderBashCompletion(spec, configDir));
  writeFileSync(zshScript, renderZshCompletion(spec, configDir));
});

afterAll(() => {
  rmSync(folder, { recursive: true, force: true });
});

/** Completes a command line in bash: the words typed so far, the last one being completed. */
function bashComplete(line: string): string[] {
  const words = line.split(' ');
  const script = `source ${bashScript}
COMP_WORDS=(${words.map((word) => `'${word}'`).join(' ')})
COMP_CWORD=${words.length - 1}
_imageserving
printf '%s\\n' "\${COMPREPLY[@]}"`;
  const env = { PATH: process.env.PATH, HOME: folder };

  return execFileSync('bash', ['--norc', '--noprofile', '-c', script], { env, encoding: 'utf8' }).split('\n').filter((word) => word !== '');
}

/** Completes a command line in zsh, with compadd replaced by a function that prints its candidates. */
function zshComplete(line: string): string[] {
  const words = line.split(' ');
  const script = `compadd() { while [[ $1 == -* && $1 != -- ]]; do shift; done; [[ $1 == -- ]] && shift; print -rl -- "$@"; }
_files() { print -r -- "_files $*"; }
source ${zshScript}
words=(${words.map((word) => `'${word}'`).join(' ')})
CURRENT=${words.length}
_imageserving || true`;
  const env = { PATH: process.env.PATH, HOME: folder };

  return execFileSync('zsh', ['-f', '-c', script], { env, encoding: 'utf8' })
    .split('\n')
    .filter((word) => word !== '')
    .filter((word) => word.startsWith(words[words.length - 1]) || word.startsWith('_files'));
}

const CASES: { line: string; expected: string[] }[] = [
  { line: 'ImageServing ', expected: ['start', 'stop', 'restart', 'status', 'logs', 'monit', 'config', 'startup', 'completion', '--version', '--env', '--config-dir', '--help'] },
  { line: 'ImageServing st', expected: ['start', 'stop', 'status', 'startup'] },
  { line: 'ImageServing status ', expected: ['ps', 'is', 'svg', '--json', '--watch', '--help'] },
  { line: 'ImageServing --env production restart ', expected: ['ps', 'is', 'svg', '--json', '--help'] },
  { line: 'ImageServing logs --lines 5 ', expected: ['ps', 'is', 'svg', '--lines', '--follow', '--reopen', '--help'] },
  { line: 'ImageServing logs --lines ', expected: [] },
  { line: 'ImageServing config ', expected: ['validate', 'show', '--help'] },
  { line: 'ImageServing config show --', expected: ['--json', '--help'] },
  { line: 'ImageServing completion ', expected: ['bash', 'zsh', '--help'] },
  { line: 'ImageServing --env ', expected: ['production', 'staging'] },
  { line: 'ImageServing --env p', expected: ['production'] },
];

describe('bash completion', () => {
  it.each(CASES)('"$line"', ({ line, expected }) => {
    expect(bashComplete(line).sort()).toEqual([...expected].sort());
  });

  it('--env reads --config-dir given', () => {
    const other = join(folder, 'other');
    mkdirSync(other, { recursive: true });
    writeFileSync(join(other, 'qa.yaml'), '');

    expect(bashComplete(`ImageServing --config-dir ${other} --env `)).toEqual(['qa']);
  });

  it('--config-dir completes folders', () => {
    expect(bashComplete(`ImageServing --config-dir ${folder}/co`)).toEqual([configDir]);
  });

  it('registers both command names', () => {
    const output = execFileSync('bash', ['--norc', '--noprofile', '-c', `source ${bashScript}; complete -p ImageServing imageserving`], {
      encoding: 'utf8',
    });

    expect(output).toBe('complete -F _imageserving ImageServing\ncomplete -F _imageserving imageserving\n');
  });
});

// zsh is installed by .ci/run; on a machine without it these cases cannot run.
describe.skipIf(!existsSync('/usr/bin/zsh') && !existsSync('/bin/zsh'))('zsh completion', () => {
  it.each(CASES)('"$line"', ({ line, expected }) => {
    expect(zshComplete(line).sort()).toEqual([...expected].sort());
  });

  it('--config-dir completes folders', () => {
    expect(zshComplete('ImageServing --config-dir ')).toEqual(['_files -/']);
  });
});
