import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { ComponentConfig } from '../../../src/config/types';
import { componentTail, datedLines, formatLogLine, mergeByTime, parseTimestamp, readLastLines } from '../../../src/logs/read';

let folder: string;

beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), 'imageserving-logs-'));
});

afterEach(() => {
  rmSync(folder, { recursive: true, force: true });
});

function writeLog(name: string, lines: string[]): string {
  const file = join(folder, name);
  writeFileSync(file, lines.map((line) => `${line}\n`).join(''));
  return file;
}

describe('parseTimestamp', () => {
  it('reads PM2 timestamp with offset', () => {
    expect(parseTimestamp('2024-05-01 12:00:00.123 +02:00: started')).toBe(Date.parse('2024-05-01T10:00:00.123Z'));
  });

  it('undefined without timestamp', () => {
    expect(parseTimestamp('    at java.lang.Thread.run(Thread.java:750)')).toBeUndefined();
    expect(parseTimestamp('2024-05-01 12:00:00 +02:00: no milliseconds')).toBeUndefined();
  });
});

describe('readLastLines', () => {
  it('returns the last lines', () => {
    const file = writeLog('a.log', ['one', 'two', 'three', 'four']);

    expect(readLastLines(file, 2)).toEqual(['three', 'four']);
    expect(readLastLines(file, 10)).toEqual(['one', 'two', 'three', 'four']);
  });

  it('reads across 64 KiB chunks', () => {
    const lines = Array.from({ length: 20_000 }, (_, index) => `line ${index} ${'x'.repeat(20)}`);
    const file = writeLog('big.log', lines);

    expect(readLastLines(file, 5000)).toEqual(lines.slice(-5000));
  });

  it('keeps a last line without newline', () => {
    const file = join(folder, 'partial.log');
    writeFileSync(file, 'one\ntwo\nthree');

    expect(readLastLines(file, 2)).toEqual(['two', 'three']);
  });

  it('stops at an end offset', () => {
    const file = writeLog('a.log', ['one', 'two', 'three']);

    expect(readLastLines(file, 5, 'one\ntwo\n'.length)).toEqual(['one', 'two']);
  });

  it('undefined for a missing file', () => {
    expect(readLastLines(join(folder, 'missing.log'), 5)).toBeUndefined();
  });

  it('empty file gives no lines', () => {
    expect(readLastLines(writeLog('empty.log', []), 5)).toEqual([]);
  });
});

describe('merging', () => {
  it('dates continuation lines by the line before', () => {
    const lines = datedLines('ps', 'err', ['2024-05-01 12:00:00.500 +00:00: SEVERE: failure', 'java.lang.Error', '\tat Main']);

    expect(lines.map((line) => line.time)).toEqual(Array(3).fill(Date.parse('2024-05-01T12:00:00.500Z')));
  });

  it('orders by time, stable within a file', () => {
    const out = datedLines('is', 'out', ['2024-05-01 12:00:01.000 +00:00: b', '2024-05-01 12:00:03.000 +00:00: d']);
    const err = datedLines('is', 'err', ['2024-05-01 12:00:00.000 +00:00: a', '2024-05-01 12:00:02.000 +00:00: c', 'c2']);

    expect(mergeByTime([...out, ...err]).map((line) => line.text.slice(-2).trim())).toEqual(['a', 'b', 'c', 'c2', 'd']);
  });

  it('formats id, stream and text', () => {
    expect(formatLogLine({ component: 'ps', stream: 'err', text: '2024-05-01 12:00:00.000 +00:00: boom' })).toBe(
      'ps  err | 2024-05-01 12:00:00.000 +00:00: boom',
    );
    expect(formatLogLine({ component: 'svg', stream: 'out', text: 'x' })).toBe('svg out | x');
  });
});

describe('componentTail', () => {
  it('merges both logs and reports missing ones', () => {
    const out = writeLog('is-out.log', ['2024-05-01 12:00:00.000 +00:00: a', '2024-05-01 12:00:02.000 +00:00: c']);
    const component = { id: 'is', logs: { out, err: join(folder, 'is-error.log') } } as ComponentConfig;

    const tail = componentTail(component, 1);

    expect(tail.lines.map((line) => line.text)).toEqual(['2024-05-01 12:00:02.000 +00:00: c']);
    expect(tail.missing).toEqual([join(folder, 'is-error.log')]);
  });

  it('takes the newest lines of both logs', () => {
    const out = writeLog('out.log', ['2024-05-01 12:00:00.000 +00:00: a', '2024-05-01 12:00:03.000 +00:00: d']);
    const err = writeLog('err.log', ['2024-05-01 12:00:01.000 +00:00: b', '2024-05-01 12:00:02.000 +00:00: c']);
    const component = { id: 'ps', logs: { out, err } } as ComponentConfig;

    const tail = componentTail(component, 3);

    expect(tail.lines.map((line) => `${line.stream} ${line.text.slice(-1)}`)).toEqual(['err b', 'err c', 'out d']);
  });
});
