import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';

import type { LogStream } from './read';

/** How often followed files are checked for new lines, rotation and truncation. */
const POLL_INTERVAL_MS = 250;
const READ_BYTES = 64 * 1024;

export interface FollowedFile {
  component: string;
  stream: LogStream;
  path: string;
}

interface FileState extends FollowedFile {
  fd?: number;
  inode?: number;
  position: number;
  /** Text after the last newline, kept until the line is complete. */
  partial: string;
}

/**
 * Follows log files the way `tail -F` does, printing the lines appended to
 * them. A rotated file is read to its end before the follower switches to the
 * new file at the same path. A truncated file (logrotate's copytruncate) is
 * read again from the top.
 */
export class LogFollower {
  private readonly files: FileState[];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    files: FollowedFile[],
    private readonly emit: (file: FollowedFile, text: string) => void,
  ) {
    // Start at the current end of each file: what is already there was printed as the tail.
    this.files = files.map((file) => {
      const state: FileState = { ...file, position: 0, partial: '' };
      this.open(state, 'end');
      return state;
    });
  }

  /** Offsets the follower starts reading at, by path, for a tail printed before it that must not overlap. */
  startOffsets(): Map<string, number> {
    return new Map(this.files.filter((file) => file.fd !== undefined).map((file) => [file.path, file.position]));
  }

  start(): void {
    this.timer = setInterval(() => this.poll(), POLL_INTERVAL_MS);
  }

  stop(): void {
    clearInterval(this.timer);
    for (const file of this.files) {
      this.close(file);
    }
  }

  /** Reads what each file got since the last poll, then checks whether its path now names another file. */
  poll(): void {
    for (const file of this.files) {
      if (file.fd === undefined) {
        this.open(file, 'start');
        this.drain(file);
        continue;
      }

      this.drain(file);
      this.checkReplaced(file);
    }
  }

  private open(file: FileState, from: 'start' | 'end'): void {
    try {
      file.fd = openSync(file.path, 'r');
    } catch {
      // Not created yet, or moved away and not yet replaced; the next poll tries again.
      return;
    }

    const { ino, size } = fstatSync(file.fd);
    file.inode = ino;
    file.position = from === 'end' ? size : 0;
  }

  private close(file: FileState): void {
    if (file.fd !== undefined) {
      closeSync(file.fd);
      file.fd = undefined;
    }
  }

  private drain(file: FileState): void {
    if (file.fd === undefined) {
      return;
    }

    if (fstatSync(file.fd).size < file.position) {
      // Truncated in place: the writer appends (PM2 opens logs with O_APPEND), so new lines start at the top.
      file.position = 0;
      file.partial = '';
    }

    const buffer = Buffer.alloc(READ_BYTES);
    for (;;) {
      const bytes = readSync(file.fd, buffer, 0, READ_BYTES, file.position);
      if (bytes === 0) {
        break;
      }
      file.position += bytes;
      this.emitLines(file, buffer.subarray(0, bytes).toString('utf8'));
    }
  }

  private emitLines(file: FileState, text: string): void {
    const lines = (file.partial + text).split('\n');
    file.partial = lines.pop() ?? '';

    for (const line of lines) {
      this.emit(file, line);
    }
  }

  /**
   * Switches to the new file once the path names another file. While the path
   * is missing (moved away, new file not yet created) the old file stays open,
   * because the writer keeps appending to it until it reopens its logs.
   */
  private checkReplaced(file: FileState): void {
    let inode: number;
    try {
      inode = statSync(file.path).ino;
    } catch {
      return;
    }

    if (inode === file.inode) {
      return;
    }

    if (file.partial !== '') {
      this.emit(file, file.partial);
      file.partial = '';
    }
    this.close(file);
    this.open(file, 'start');
    this.drain(file);
  }
}
