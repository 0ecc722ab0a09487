import { userInfo } from 'node:os';

import { CliError, ExitCode, type ExitCodeValue } from '../errors';
import { describeAccount, nearestOwner, sudoUserOf } from './accounts';

/** System calls in the words messages use, as "cannot OPERATION PATH"; other calls keep their own name. */
const OPERATIONS: Record<string, string> = {
  open: 'open',
  mkdir: 'create the folder',
  rmdir: 'remove the folder',
  rm: 'remove',
  unlink: 'remove',
  scandir: 'list the folder',
  opendir: 'list the folder',
  rename: 'rename',
  link: 'create a link to',
  chmod: 'change the mode of',
  chown: 'change the owner of',
  stat: 'read the attributes of',
  lstat: 'read the attributes of',
  access: 'access',
  connect: 'connect to',
  copyfile: 'copy',
  utime: 'set the times of',
};

/** Checks whether the operating system denied this account a file or process operation (EACCES or EPERM). */
export function isPermissionDenied(error: unknown): error is NodeJS.ErrnoException {
  const { code } = (error ?? {}) as NodeJS.ErrnoException;

  return error instanceof Error && (code === 'EACCES' || code === 'EPERM');
}

/**
 * Says which account may act on a path: the owner of the path, or of its
 * nearest parent folder that this account can stat. When that is this
 * account, the mode is what denies access.
 */
export function ownerAdvice(path: string, invocation = 'ImageServing'): string {
  const owner = nearestOwner(path);
  const self = userInfo().uid;

  if (owner === undefined) {
    return 'run the command as the account that owns the installation';
  }
  if (owner.uid === self) {
    return `${owner.path} belongs to this account (uid ${self}), so check the mode of it and of the folders above it`;
  }

  return (
    `${owner.path} belongs to ${describeAccount(owner.uid)}; run the command as the account that owns the installation, ` +
    `for example: sudo -u ${sudoUserOf(owner.uid)} ${invocation} ...`
  );
}

/**
 * Turns an EACCES or EPERM from Node.js into a one-line error that names the
 * operation, the path and the account to run as, so no stack trace is shown.
 */
export function permissionDeniedError(
  error: NodeJS.ErrnoException,
  invocation?: string,
  exitCode: ExitCodeValue = ExitCode.failed,
): CliError {
  const syscall = error.syscall ?? 'a system call';

  if (error.path === undefined) {
    return new CliError(
      `${syscall} failed: permission denied (${error.code}); run the command as the account that owns the installation`,
      exitCode,
    );
  }

  const operation = OPERATIONS[syscall] ?? syscall;
  return new CliError(`cannot ${operation} ${error.path}: permission denied (${error.code}); ${ownerAdvice(error.path, invocation)}`, exitCode);
}
