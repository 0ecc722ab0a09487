import { appendFileSync, mkdtempSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { LogFollower } from '../../../src/logs/follow';

let folder: string;
let file: string;
let printed: string[];
let follower: LogFollower;

// The tests call poll() themselves instead of start(), so no timer decides what a check reads.
beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), 'imageserving-follow-'));
  file = join(folder, 'is-out.log');
  printed = [];
});

afterEach(() => {
  follower.stop();
  rmSync(folder, { recursive: true, force: true });
});

function follow(): void {
  follower = new LogFollower([{ component: 'is', stream: 'out', path: file }], (_file, text) => printed.push(text));
}

describe('LogFollower', () => {
  it('prints only appended lines', () => {
    writeFileSync(file, 'old 1\nold 2\n');
    follow();

    appendFileSync(file, 'new 1\nnew 2\n');
    follower.poll();

    expect(printed).toEqual(['new 1', 'new 2']);
  });

  it('holds a partial line until complete', () => {
    writeFileSync(file, '');
    follow();

    appendFileSync(file, 'half');
    follower.poll();
    expect(printed).toEqual([]);

    appendFileSync(file, ' done\n');
    follower.poll();
    expect(printed).toEqual(['half done']);
  });

  it('reads rotated file, then the new one', () => {
    writeFileSync(file, '');
    follow();
    appendFileSync(file, 'before\n');
    follower.poll();

    renameSync(file, `${file}.1`);
    appendFileSync(`${file}.1`, 'late write to the moved file\n');
    follower.poll();
    writeFileSync(file, 'first in new file\n');
    follower.poll();

    expect(printed).toEqual(['before', 'late write to the moved file', 'first in new file']);
  });

  it('starts over after truncation', () => {
    writeFileSync(file, 'a long line that was there before\n');
    follow();

    truncateSync(file, 0);
    appendFileSync(file, 'after\n');
    follower.poll();

    expect(printed).toEqual(['after']);
  });

  it('waits for a file created later', () => {
    follow();
    follower.poll();

    writeFileSync(file, 'created\n');
    follower.poll();

    expect(printed).toEqual(['created']);
  });

  it('start offsets mark the end', () => {
    writeFileSync(file, 'abc\n');
    follow();

    expect(follower.startOffsets()).toEqual(new Map([[file, 4]]));
  });
});
