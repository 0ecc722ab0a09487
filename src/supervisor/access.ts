import { existsSync, statSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { isAbsolute, join, relative } from 'node:path';

import type { Config } from '../config/types';
import { CliError, ExitCode, type ExitCodeValue } from '../errors';
import { readAccounts, type Account } from './accounts';
import { checkHomeOwner, describeSupervisorIn } from './home';

/** Account that runs the command, and under sudo also the account that called sudo. */
export interface Caller {
  uid: number;
  /** Home folder that a leading ~ in the configuration stands for. */
  home: string;
  /** The account that ran sudo (SUDO_USER), when it is another one. */
  sudoAccount?: Account;
}

export function currentCaller(env: NodeJS.ProcessEnv = process.env): Caller {
  const uid = userInfo().uid;
  const sudoUser = env.SUDO_USER;
  const sudoAccount = sudoUser === undefined ? undefined : readAccounts().find((account) => account.name === sudoUser);

  return { uid, home: homedir(), sudoAccount: sudoAccount?.uid === uid ? undefined : sudoAccount };
}

/**
 * Rejects a command run through sudo whose supervisor home lies in root's
 * home folder while the account that called sudo has that folder in its own
 * home. sudo sets HOME to root's, so ~/.imageserving/pm2 would name a second,
 * empty installation instead of the one that account runs.
 */
export function checkSudoHome(config: Config, caller: Caller, exitCode: ExitCodeValue = ExitCode.failed): void {
  const { home } = config.supervisor;
  const account = caller.sudoAccount;
  const inside = relative(caller.home, home);
  if (account === undefined || inside === '' || inside.startsWith('..') || isAbsolute(inside)) {
    return;
  }

  const theirs = join(account.home, inside);
  if (!existsSync(theirs) || statSync(theirs).uid !== account.uid) {
    return;
  }

  throw new CliError(
    `sudo runs this command with ~ = ${caller.home}, so the supervisor home would be ${home}; ` +
      `${account.name} (uid ${account.uid}) has this installation's supervisor home at ${theirs}, and ${describeSupervisorIn(theirs)}. ` +
      `Run the command as ${account.name}, without sudo or with: sudo -u ${account.name} ${config.invocation} ...`,
    exitCode,
  );
}

/** Rejects a command that would act on an installation another account owns, naming that account. */
export function checkAccount(config: Config, exitCode: ExitCodeValue = ExitCode.failed, caller: Caller = currentCaller()): void {
  checkSudoHome(config, caller, exitCode);
  checkHomeOwner(config.supervisor.home, exitCode);
}
