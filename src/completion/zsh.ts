import { shellQuote } from './bash';
import type { CommandSpec, CompletionSpec } from './spec';

/** Renders `case` branches that set `candidates` from the command and subcommand found on the line. */
function commandCases(commands: CommandSpec[], indent: string): string {
  const list = (words: string[]): string => `(${words.map(shellQuote).join(' ')})`;

  return commands
    .map((command) => {
      if (command.subcommands.length === 0) {
        return `${indent}(${command.name}) candidates=${list(command.words)} ;;`;
      }

      const top = [...command.subcommands.map((sub) => sub.name), ...command.words];
      const subs = command.subcommands.map((sub) => `${indent}    (${sub.name}) candidates=${list(sub.words)} ;;`);
      return [`${indent}(${command.name})`, `${indent}  case $subcommand in`, `${indent}    ('') candidates=${list(top)} ;;`, ...subs, `${indent}  esac ;;`].join('\n');
    })
    .join('\n');
}

/** Renders the zsh completion script; the same rules as the bash one, in zsh's completion functions. */
export function renderZshCompletion(spec: CompletionSpec, packagedConfigDir: string): string {
  const topWords = [...spec.commands.map((command) => command.name), ...spec.globalOptions].map(shellQuote).join(' ');
  const otherValueOptions = spec.valueOptions.filter((flag) => !['--config-dir', '--write', '--env'].includes(flag));

  return `#compdef ImageServing imageserving
# zsh completion for ImageServing, written by "ImageServing completion zsh".
# Load it after compinit with: source <(ImageServing completion zsh)

# Prints the environments (NAME.yaml but default.yaml) of the configuration folder.
_imageserving_environments() {
  local dir=\${IMAGESERVING_CONFIG_DIR:-} i file
  for ((i = 2; i < \${#words}; i++)); do
    [[ \${words[i]} == --config-dir ]] && dir=\${words[i+1]}
  done
  if [[ -z $dir ]]; then
    if [[ -d /etc/imageserving ]]; then dir=/etc/imageserving; else dir=${shellQuote(packagedConfigDir)}; fi
  fi
  for file in "$dir"/*.yaml(N); do
    file=\${file:t:r}
    [[ $file != default ]] && print -r -- "$file"
  done
}

_imageserving() {
  local prev=\${words[CURRENT-1]}
  local command='' subcommand='' word i
  local -a candidates
  for ((i = 2; i < CURRENT; i++)); do
    word=\${words[i]}
    case $word in
      (${spec.valueOptions.join('|')}) ((i++)) ;;
      (-*) ;;
      (*) if [[ -z $command ]]; then command=$word; elif [[ -z $subcommand ]]; then subcommand=$word; fi ;;
    esac
  done

  case $prev in
    (--config-dir) _files -/; return ;;
    (--write) _files; return ;;
    (--env) candidates=(\${(f)"$(_imageserving_environments)"}); compadd -- $candidates; return ;;
    (${otherValueOptions.join('|') || '--'}) return 1 ;;
  esac

  case $command in
    ('') candidates=(${topWords}) ;;
${commandCases(spec.commands, '    ')}
  esac
  compadd -- $candidates
}

if (( $+functions[compdef] )); then
  compdef _imageserving ImageServing imageserving
fi
`;
}
