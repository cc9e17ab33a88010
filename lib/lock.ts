/**
 * A lock file that names the process holding it, so that two synths into one
 * directory never interleave, and a synth that was killed (SIGKILL, a crash) does not
 * block the next one: a lock whose process is gone is taken over.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isRunning } from './signals';

/** Another live process holds the lock. */
export class LockedError extends Error {
  constructor(public readonly holder: number, what: string) {
    super(`another synth into ${what} is running (pid ${holder}): wait for it to finish, or stop it`);
    this.name = 'LockedError';
  }
}

function holderOf(file: string): number | undefined {
  try {
    const pid = Number(fs.readFileSync(file, 'utf8'));
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined; // released meanwhile
  }
}

/**
 * Takes the lock `file` for this process, or throws {@link LockedError} at once if a
 * live process holds it (no waiting: the caller says so and stops).
 *
 * The lock is made by hard-linking a file that already holds this process's id, so
 * that the lock file never exists without its holder's id in it.
 *
 * @param what names the locked thing in the error
 * @returns a function that releases the lock
 */
export function acquireLock(file: string, what: string): () => void {
  const mine = `${file}.${process.pid}`;
  fs.writeFileSync(mine, String(process.pid));
  try {
    // a few attempts: each lost race against another process breaking the same stale lock costs one
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        fs.linkSync(mine, file);
        sweepLeftovers(file);
        return () => {
          if (holderOf(file) === process.pid) {
            fs.rmSync(file, { force: true });
          }
        };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
          throw err;
        }
      }
      const holder = holderOf(file);
      if (holder !== undefined && holder !== process.pid && isRunning(holder)) {
        throw new LockedError(holder, what);
      }
      breakStaleLock(file, holder);
    }
    throw new LockedError(holderOf(file) ?? 0, what);
  } finally {
    fs.rmSync(mine, { force: true });
  }
}

/**
 * Removes a lock left by a dead process. It is renamed away rather than deleted, and
 * checked once renamed: if another process broke the same stale lock and took a fresh
 * one first, that fresh lock is what got renamed, and it is put back (link fails
 * rather than overwrite a lock taken since).
 */
function breakStaleLock(file: string, stalePid: number | undefined): void {
  const aside = `${file}.stale-${process.pid}`;
  try {
    fs.renameSync(file, aside);
  } catch {
    return; // someone else broke it first: try again
  }
  if (holderOf(aside) !== stalePid) {
    try {
      fs.linkSync(aside, file);
    } catch {
      // a third process holds the lock now; the next attempt finds it live
    }
  }
  fs.rmSync(aside, { force: true });
}

/**
 * Removes the files that processes killed while taking or breaking the lock left
 * beside it (`<lock>.<pid>`, `<lock>.stale-<pid>`), once their process is gone.
 */
function sweepLeftovers(file: string): void {
  const prefix = `${path.basename(file)}.`;
  for (const entry of fs.readdirSync(path.dirname(file))) {
    const pid = entry.startsWith(prefix) ? Number(entry.slice(prefix.length).replace(/^stale-/, '')) : NaN;
    if (Number.isInteger(pid) && pid !== process.pid && !isRunning(pid)) {
      fs.rmSync(path.join(path.dirname(file), entry), { force: true });
    }
  }
}
