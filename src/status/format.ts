/** Formats an uptime in whole units, largest two: 45s, 5m 10s, 2h 13m, 3d 4h. */
export function formatUptime(totalSeconds: number): string {
  const seconds = Math.max(0, Math.floor(totalSeconds));
  const days = Math.floor(seconds / 86_400);
  const hours = Math.floor((seconds % 86_400) / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const rest = seconds % 60;

  if (days > 0) {
    return `${days}d ${hours}h`;
  }
  if (hours > 0) {
    return `${hours}h ${minutes}m`;
  }
  if (minutes > 0) {
    return `${minutes}m ${rest}s`;
  }
  return `${rest}s`;
}

/** Formats a short duration for progress lines: 0.4 s, 12.0 s, 95 s. */
export function formatSeconds(seconds: number): string {
  const tenths = Number(seconds.toFixed(1));

  return tenths < 60 ? `${tenths.toFixed(1)} s` : `${Math.round(seconds)} s`;
}

const BINARY_UNITS = ['KiB', 'MiB', 'GiB', 'TiB'];

/** Formats a byte count in binary units: 812 B, 34.0 KiB, 512.3 MiB, 1.2 GiB. */
export function formatBytes(bytes: number): string {
  const whole = Math.max(0, Math.round(bytes));
  if (whole < 1024) {
    return `${whole} B`;
  }

  // Move up a unit while the value would print as 1024.0 or more, so 1048575 B reads 1.0 MiB.
  let value = whole / 1024;
  let unit = 0;
  while (Number(value.toFixed(1)) >= 1024 && unit < BINARY_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }

  return `${value.toFixed(1)} ${BINARY_UNITS[unit]}`;
}

/** Lays out rows as left-aligned columns, two spaces apart, with no trailing blanks. */
export function renderTable(rows: string[][]): string {
  const widths: number[] = [];

  for (const row of rows) {
    row.forEach((cell, column) => {
      widths[column] = Math.max(widths[column] ?? 0, cell.length);
    });
  }

  return rows
    .map((row) =>
      row
        .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] + 2)))
        .join('')
        .trimEnd(),
    )
    .join('\n');
}
