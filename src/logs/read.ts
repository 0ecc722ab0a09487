import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

import type { ComponentConfig } from '../config/types';

/** PM2 log file a line comes from: the component's stdout (out) or stderr (err). */
export type LogStream = 'out' | 'err';

export interface LogLine {
  component: string;
  stream: LogStream;
  text: string;
  /** Milliseconds since the epoch from the line's PM2 timestamp, or from the line before it. */
  time: number;
}

const CHUNK_BYTES = 64 * 1024;

/**
 * PM2 7.0.4 writes each line as "TIMESTAMP: text", the timestamp in the
 * app's log_date_format, which ecosystem.config.ts sets to
 * "YYYY-MM-DD HH:mm:ss.SSS Z" (for example 2024-05-01 12:00:00.123 +02:00).
 */
const TIMESTAMP = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}\.\d{3}) ([+-]\d{2}:\d{2}): /;

/** Reads the PM2 timestamp at the start of a line; undefined when the line has none. */
export function parseTimestamp(line: string): number | undefined {
  const match = TIMESTAMP.exec(line);
  if (match === null) {
    return undefined;
  }

  const time = Date.parse(`${match[1]}T${match[2]}${match[3]}`);
  return Number.isNaN(time) ? undefined : time;
}

/**
 * Reads the last `count` lines of a file, from its end (or from byte `end`)
 * backwards, so a large log costs only the bytes shown. Returns undefined
 * when the file is missing.
 */
export function readLastLines(file: string, count: number, end?: number): string[] | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return undefined;
    }
    throw error;
  }

  try {
    let position = Math.min(end ?? Infinity, fstatSync(fd).size);
    let text = Buffer.alloc(0);
    // count + 1 newlines guarantee `count` whole lines after the first one.
    while (position > 0 && countNewlines(text) <= count) {
      const size = Math.min(CHUNK_BYTES, position);
      position -= size;
      const chunk = Buffer.alloc(size);
      readSync(fd, chunk, 0, size, position);
      text = Buffer.concat([chunk, text]);
    }

    const lines = text.toString('utf8').split('\n');
    if (lines[lines.length - 1] === '') {
      lines.pop();
    }
    return lines.slice(-count);
  } finally {
    closeSync(fd);
  }
}

function countNewlines(buffer: Buffer): number {
  let newlines = 0;
  for (let index = buffer.indexOf(10); index !== -1; index = buffer.indexOf(10, index + 1)) {
    newlines++;
  }

  return newlines;
}

/** Dates lines that carry no timestamp (such as a chunk's continuation) with the time of the line before. */
export function datedLines(component: string, stream: LogStream, texts: string[]): LogLine[] {
  let time = 0;

  return texts.map((text) => {
    time = parseTimestamp(text) ?? time;
    return { component, stream, text, time };
  });
}

/** Merges lines by time. The sort is stable, so lines of one file keep their order. */
export function mergeByTime(lines: LogLine[]): LogLine[] {
  return [...lines].sort((left, right) => left.time - right.time);
}

/**
 * Reads the last `count` lines of a component, its stdout and stderr logs
 * merged by time. `ends` limits each file (by path) to the bytes before an offset.
 */
export function componentTail(
  component: ComponentConfig,
  count: number,
  ends: ReadonlyMap<string, number> = new Map(),
): { lines: LogLine[]; missing: string[] } {
  const missing: string[] = [];
  const lines: LogLine[] = [];

  for (const [stream, file] of [['out', component.logs.out], ['err', component.logs.err]] as const) {
    const texts = readLastLines(file, count, ends.get(file));
    if (texts === undefined) {
      missing.push(file);
    } else {
      lines.push(...datedLines(component.id, stream, texts));
    }
  }

  return { lines: mergeByTime(lines).slice(-count), missing };
}

/** Formats a line for the terminal: component id and stream in front of PM2's timestamped text. */
export function formatLogLine(line: Pick<LogLine, 'component' | 'stream' | 'text'>): string {
  return `${line.component.padEnd(3)} ${line.stream} | ${line.text}`;
}
