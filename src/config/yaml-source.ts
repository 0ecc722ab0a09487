import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import {
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  type Document,
  type Node,
  type YAMLError,
} from 'yaml';

export type KeyPath = (string | number)[];

/** One parsed YAML file, kept with its node ranges so problems can name a line. */
export interface YamlSource {
  file: string;
  /** The file's name as messages show it: relative to the working folder when shorter. */
  displayName: string;
  document: Document;
  lineCounter: LineCounter;
}

export interface Position {
  line: number;
  column: number;
}

export function displayPath(file: string): string {
  const fromCwd = relative(process.cwd(), file);
  if (fromCwd === '') {
    return '.';
  }

  return fromCwd.length < file.length && !fromCwd.startsWith('../..') ? fromCwd : file;
}

/** Dotted form of a key path, as messages show it: components.svg.args[0]. */
export function formatKeyPath(path: KeyPath): string {
  let text = '';

  for (const key of path) {
    if (typeof key === 'number') {
      text += `[${key}]`;
    } else {
      text += text === '' ? key : `.${key}`;
    }
  }

  return text === '' ? '(top level)' : text;
}

/**
 * Reads and parses one YAML file. Throws the file system error when the file
 * cannot be read; syntax problems are left in the document's errors.
 */
export function readYamlSource(file: string): YamlSource {
  const text = readFileSync(file, 'utf8');
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });

  return { file, displayName: displayPath(file), document, lineCounter };
}

export function positionAt(source: YamlSource, offset: number): Position {
  const { line, col } = source.lineCounter.linePos(offset);

  return { line, column: col };
}

/**
 * Finds where a key path is written: the value's node when it is a non-empty
 * scalar and the value is wanted, else the key. Returns undefined when the
 * file does not contain the path.
 */
export function findKeyOffset(source: YamlSource, path: KeyPath, target: 'key' | 'value' = 'value'): number | undefined {
  if (path.length === 0) {
    return source.document.contents?.range?.[0];
  }

  const parent = path.length === 1 ? source.document.contents : source.document.getIn(path.slice(0, -1), true);
  const last = path[path.length - 1];

  if (isMap(parent)) {
    const pair = parent.items.find((item) => isScalar(item.key) && String(item.key.value) === String(last));
    if (pair === undefined) {
      return undefined;
    }

    const value = pair.value as Node | null;
    if (target === 'value' && isScalar(value) && value.range && value.value !== null) {
      return value.range[0];
    }

    return isScalar(pair.key) ? pair.key.range?.[0] : undefined;
  }

  if (isSeq(parent) && typeof last === 'number') {
    const item = parent.items[last] as Node | undefined;
    return item?.range?.[0];
  }

  return undefined;
}

/** Finds the key path of the innermost map entry or list item that contains an offset. */
export function keyPathAtOffset(source: YamlSource, offset: number): KeyPath {
  const path: KeyPath = [];
  let node: unknown = source.document.contents;

  for (;;) {
    if (isMap(node)) {
      const pair = node.items.find((item) => {
        const start = (item.key as Node | null)?.range?.[0];
        const end = (item.value as Node | null)?.range?.[1] ?? (item.key as Node | null)?.range?.[1];
        return start !== undefined && end !== undefined && start <= offset && offset <= end;
      });
      if (pair === undefined || !isScalar(pair.key)) {
        return path;
      }
      path.push(String(pair.key.value));
      node = pair.value;
    } else if (isSeq(node)) {
      const index = node.items.findIndex((item) => {
        const range = (item as Node | null)?.range;
        return range !== undefined && range !== null && range[0] <= offset && offset <= range[1];
      });
      if (index < 0) {
        return path;
      }
      path.push(index);
      node = node.items[index];
    } else if (isPair(node)) {
      node = node.value;
    } else {
      return path;
    }
  }
}

/** Describes a YAML syntax error in the words an operator fixing the file needs. */
export function describeSyntaxError(error: YAMLError): string {
  const firstLine = error.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');

  switch (error.code) {
    case 'TAB_AS_INDENT':
      return 'tab used for indentation (got a tab character, expected spaces)';
    case 'DUPLICATE_KEY':
      return 'duplicate key (got the same key twice in one map, expected each key once)';
    case 'BAD_INDENT':
      return `bad indentation (${firstLine})`;
    case 'MISSING_CHAR':
      return `missing character (${firstLine})`;
    default:
      return `invalid YAML (${firstLine})`;
  }
}
