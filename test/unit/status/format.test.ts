import { describe, expect, it } from 'vitest';

import { formatBytes, formatSeconds, formatUptime, renderTable } from '../../../src/status/format';

describe('formatUptime', () => {
  it.each([
    [0, '0s'],
    [45, '45s'],
    [59, '59s'],
    [60, '1m 0s'],
    [310, '5m 10s'],
    [3599, '59m 59s'],
    [3600, '1h 0m'],
    [2 * 3600 + 13 * 60 + 59, '2h 13m'],
    [86_399, '23h 59m'],
    [86_400, '1d 0h'],
    [3 * 86_400 + 4 * 3600 + 59 * 60, '3d 4h'],
    [400 * 86_400, '400d 0h'],
  ])('%d s is %s', (seconds, text) => {
    expect(formatUptime(seconds)).toBe(text);
  });

  it('drops fractions of a second', () => {
    expect(formatUptime(45.9)).toBe('45s');
  });

  it('shows negative as 0s', () => {
    expect(formatUptime(-5)).toBe('0s');
  });
});

describe('formatSeconds', () => {
  it.each([
    [0, '0.0 s'],
    [0.4, '0.4 s'],
    [12, '12.0 s'],
    [59.9, '59.9 s'],
    [60, '60 s'],
    [95.4, '95 s'],
    [95.5, '96 s'],
  ])('%d s is %s', (seconds, text) => {
    expect(formatSeconds(seconds)).toBe(text);
  });
});

describe('formatBytes', () => {
  it.each([
    [0, '0 B'],
    [812, '812 B'],
    [1023, '1023 B'],
    [1024, '1.0 KiB'],
    [34 * 1024, '34.0 KiB'],
    [1024 * 1024 - 1024, '1023.0 KiB'],
    [1024 * 1024, '1.0 MiB'],
    [512.3 * 1024 * 1024, '512.3 MiB'],
    [1024 ** 3, '1.0 GiB'],
    [1.2 * 1024 ** 3, '1.2 GiB'],
    [1024 ** 4, '1.0 TiB'],
    [2048 * 1024 ** 4, '2048.0 TiB'],
  ])('%d bytes is %s', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });

  it('shows negative as 0 B', () => {
    expect(formatBytes(-1)).toBe('0 B');
  });
});

describe('renderTable', () => {
  it('aligns columns two spaces apart', () => {
    const table = renderTable([
      ['ID', 'COMPONENT', 'STATE'],
      ['ps', 'Platform Server', 'online'],
      ['svg', 'SVG server', 'not started'],
    ]);

    expect(table).toBe(
      ['ID   COMPONENT        STATE', 'ps   Platform Server  online', 'svg  SVG server       not started'].join('\n'),
    );
  });

  it('leaves no trailing spaces', () => {
    const table = renderTable([
      ['ID', 'NOTE', ''],
      ['ps', '', ''],
    ]);

    expect(table).toBe('ID  NOTE\nps');
  });

  it('renders short rows', () => {
    const table = renderTable([['ID', 'STATE', 'PID'], ['is']]);

    expect(table).toBe('ID  STATE  PID\nis');
  });

  it('renders no rows as empty', () => {
    expect(renderTable([])).toBe('');
  });
});
