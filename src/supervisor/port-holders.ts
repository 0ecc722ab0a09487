import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** A process that listens on a TCP port. Its pid is null when the socket belongs to another account's process. */
export interface PortHolder {
  pid: number | null;
  command: string;
}

/** TCP state LISTEN in /proc/net/tcp. */
const LISTEN = '0A';

/** Returns the listening TCP sockets of the machine, IPv4 and IPv6, as a map from socket inode to port. */
function listeningSockets(): Map<string, number> {
  const sockets = new Map<string, number>();

  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let lines: string[];
    try {
      lines = readFileSync(table, 'utf8').trim().split('\n').slice(1);
    } catch {
      continue;
    }

    for (const line of lines) {
      // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
      const fields = line.trim().split(/\s+/);
      const localPort = Number.parseInt(fields[1]?.split(':')[1] ?? '', 16);
      if (fields[3] === LISTEN && Number.isInteger(localPort)) {
        sockets.set(fields[9], localPort);
      }
    }
  }

  return sockets;
}

/** Returns the socket inodes a process has open, or none for another account's process. */
function socketInodes(pid: number | string): string[] {
  let descriptors: string[];
  try {
    descriptors = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return [];
  }

  const inodes: string[] = [];
  for (const fd of descriptors) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match !== null) {
        inodes.push(match[1]);
      }
    } catch {
      // Closed while it was read.
    }
  }
  return inodes;
}

/** Lists the TCP ports a process listens on. */
export function listeningPorts(pid: number): number[] {
  const sockets = listeningSockets();
  const ports = socketInodes(pid).flatMap((inode) => (sockets.has(inode) ? [sockets.get(inode) ?? 0] : []));

  return [...new Set(ports)].sort((left, right) => left - right);
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
  } catch {
    return '';
  }
}

/** Lists the processes that listen on a TCP port. */
export function findPortHolders(port: number): PortHolder[] {
  const inodes = new Set([...listeningSockets()].filter(([, listening]) => listening === port).map(([inode]) => inode));
  if (inodes.size === 0) {
    return [];
  }

  const owners = readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((entry) => socketInodes(entry).some((inode) => inodes.has(inode)))
    .map(Number);
  if (owners.length === 0) {
    return [{ pid: null, command: 'a process of another account' }];
  }
  return owners.map((pid) => ({ pid, command: commandOf(pid) }));
}

/** Lists the holders on one line; a command line with newlines (python -c '...') is folded into it. */
export function describePortHolders(holders: PortHolder[]): string {
  return holders
    .map(({ pid, command }) => {
      const oneLine = command.replace(/\s+/g, ' ').trim();
      return pid === null ? oneLine : `pid ${pid} (${oneLine})`;
    })
    .join(', ');
}
