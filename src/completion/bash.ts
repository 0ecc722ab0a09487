import type { CommandSpec, CompletionSpec } from './spec';

/** Quotes a word for a shell script: single quotes, with ' written as '\''. */
export function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Renders `case` branches that set `words` from the command and subcommand found on the line. */
function commandCases(commands: CommandSpec[], indent: string): string {
  return commands
    .map((command) => {
      if (command.subcommands.length === 0) {
        return `${indent}${command.name}) words=${shellQuote(command.words.join(' '))} ;;`;
      }

      const top = [...command.subcommands.map((sub) => sub.name), ...command.words].join(' ');
      const subs = command.subcommands.map((sub) => `${indent}    ${sub.name}) words=${shellQuote(sub.words.join(' '))} ;;`);
      return [`${indent}${command.name})`, `${indent}  case $subcommand in`, `${indent}    '') words=${shellQuote(top)} ;;`, ...subs, `${indent}  esac ;;`].join('\n');
    })
    .join('\n');
}

/**
 * Renders the bash completion script. --env completes the environments of
 * the configuration folder found the way the CLI finds it; packagedConfigDir
 * is the last fallback.
 */
export function renderBashCompletion(spec: CompletionSpec, packagedConfigDir: string): string {
  const topWords = [...spec.commands.map((command) => command.name), ...spec.globalOptions].join(' ');

  return `# bash completion for ImageServing, written by "ImageServing completion bash".
# Load it with: source <(ImageServing completion bash)

# Prints the environments (NAME.yaml but default.yaml) of the configuration folder.
_imageserving_environments() {
  local dir=\${IMAGESERVING_CONFIG_DIR:-} i file
  for ((i = 1; i < \${#COMP_WORDS[@]} - 1; i++)); do
    [[ \${COMP_WORDS[i]} == --config-dir ]] && dir=\${COMP_WORDS[i+1]}
  done
  if [[ -z $dir ]]; then
    if [[ -d /etc/imageserving ]]; then dir=/etc/imageserving; else dir=${shellQuote(packagedConfigDir)}; fi
  fi
  for file in "$dir"/*.yaml; do
    file=\${file##*/}
    file=\${file%.yaml}
    [[ $file != default && $file != '*' ]] && printf '%s\\n' "$file"
  done
}

_imageserving() {
  local cur=\${COMP_WORDS[COMP_CWORD]} prev=\${COMP_WORDS[COMP_CWORD-1]}
  local command='' subcommand='' word words i
  for ((i = 1; i < COMP_CWORD; i++)); do
    word=\${COMP_WORDS[i]}
    case $word in
      ${spec.valueOptions.join('|')}) ((i++)) ;;
      -*) ;;
      *) if [[ -z $command ]]; then command=$word; elif [[ -z $subcommand ]]; then subcommand=$word; fi ;;
    esac
  done

  case $prev in
    --config-dir) COMPREPLY=($(compgen -d -- "$cur")); return ;;
    --write) COMPREPLY=($(compgen -f -- "$cur")); return ;;
    --env) COMPREPLY=($(compgen -W "$(_imageserving_environments)" -- "$cur")); return ;;
    ${spec.valueOptions.filter((flag) => !['--config-dir', '--write', '--env'].includes(flag)).join('|') || '--'}) COMPREPLY=(); return ;;
  esac

  case $command in
    '') words=${shellQuote(topWords)} ;;
${commandCases(spec.commands, '    ')}
    *) words='' ;;
  esac
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}

complete -F _imageserving ImageServing imageserving
`;
}
