import { styleText } from 'node:util';

type Style = 'red' | 'green' | 'yellow' | 'bold' | 'dim';

/** Colours text for a terminal; plain when the stream is not a TTY or NO_COLOR is set. */
export function paint(style: Style, text: string, stream: NodeJS.WriteStream = process.stderr): string {
  const noColor = process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '';

  return stream.isTTY === true && !noColor ? styleText(style, text) : text;
}

/** Writes a progress or diagnostic line to stderr. */
export function progress(line: string): void {
  process.stderr.write(`${line}\n`);
}

export function warn(line: string): void {
  process.stderr.write(`${paint('yellow', 'warning:')} ${line}\n`);
}

/** Writes a result (a report or a JSON document) to stdout. */
export function result(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

/** Formats a progress line about one component: id and name in columns, then the text. */
export function componentLine(component: { id: string; name: string }, text: string): string {
  return `${component.id.padEnd(4)}${component.name.padEnd(17)}${text}`;
}
