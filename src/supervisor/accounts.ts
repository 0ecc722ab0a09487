import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** An account as /etc/passwd lists it. */
export interface Account {
  name: string;
  uid: number;
  home: string;
}

export function readAccounts(file = '/etc/passwd'): Account[] {
  try {
    return readFileSync(file, 'utf8')
      .split('\n')
      .map((line) => line.split(':'))
      .filter((fields) => fields.length >= 6)
      .map((fields) => ({ name: fields[0], uid: Number(fields[2]), home: fields[5] }));
  } catch {
    return [];
  }
}

/**
 * Finds an account by name in /etc/passwd, then through getent, which also
 * finds accounts that NSS takes from LDAP or another directory.
 */
export function findAccount(name: string): Account | undefined {
  const listed = readAccounts().find((account) => account.name === name);
  if (listed !== undefined) {
    return listed;
  }

  try {
    const fields = execFileSync('getent', ['passwd', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim().split(':');
    return fields.length >= 6 ? { name: fields[0], uid: Number(fields[2]), home: fields[5] } : undefined;
  } catch {
    // getent exits 2 for an unknown account, and may be missing where /etc/passwd is all there is.
    return undefined;
  }
}

/** Names an account for messages: "root (uid 0)", or "uid 1234" when /etc/passwd does not list it. */
export function describeAccount(uid: number): string {
  const account = readAccounts().find((candidate) => candidate.uid === uid);

  return account === undefined ? `uid ${uid}` : `${account.name} (uid ${uid})`;
}

/** Returns the account as `sudo -u` takes it: its name, or '#UID' when /etc/passwd does not list it. */
export function sudoUserOf(uid: number): string {
  return readAccounts().find((candidate) => candidate.uid === uid)?.name ?? `'#${uid}'`;
}

/** A path and the uid of its owner. */
export interface OwnedPath {
  path: string;
  uid: number;
}

/**
 * Finds the owner of a path, or of its nearest parent folder that this
 * account can stat: a path that is missing, or inside a folder this account
 * may not enter, gets the owner of the folder above it.
 */
export function nearestOwner(path: string): OwnedPath | undefined {
  for (let current = resolve(path); ; current = dirname(current)) {
    try {
      return { path: current, uid: statSync(current).uid };
    } catch {
      if (dirname(current) === current) {
        return undefined;
      }
    }
  }
}
