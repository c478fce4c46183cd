/**
 * One `npm start` per data dir: the embedded DynamoDB keeps its files there and
 * a second process on them fails deep inside LevelDB ("Database is closed").
 * A lock file holding the owner's pid turns that into a clear refusal; the lock
 * of a process that died without cleaning up is taken over.
 */
import { open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { StatusSyncError } from '../shared/errors.ts';

/** Another live process holds the data dir. */
export class DataDirLockedError extends StatusSyncError {
  readonly kind = 'configuration';

  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(
      `${dataDir}/ is in use by another npm start (pid ${pid}). Stop that one (Ctrl-C in its terminal), ` +
        `or run this one on other data: npm start -- --data <dir> --port <base port>`,
    );
    this.name = 'DataDirLockedError';
  }
}

/** A held lock. */
export interface DataLock {
  readonly path: string;
  /** True when a dead owner's lock was taken over. */
  readonly tookOver: boolean;
  release(): Promise<void>;
}

/** Takes `<dataDir>/lock` for this process; throws `DataDirLockedError` if a live process has it. */
export async function lockDataDir(dataDir: string, pid = process.pid): Promise<DataLock> {
  const path = join(dataDir, 'lock');
  let tookOver = false;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const file = await open(path, 'wx');
      await file.writeFile(`${pid}\n`);
      await file.close();
      return {
        path,
        tookOver,
        async release() {
          // Only our own lock: never remove one a successor took over.
          const owner = await readPid(path);
          if (owner === pid) await rm(path, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = await readPid(path);
    if (owner !== null && owner !== pid && isAlive(owner))
      throw new DataDirLockedError(dataDir, owner);
    // Dead owner, our own stale pid, or an unreadable file: take it over.
    await rm(path, { force: true });
    tookOver = true;
  }
  throw new Error(`could not take the lock ${path}: another process keeps re-creating it`);
}

async function readPid(path: string): Promise<number | null> {
  try {
    const pid = Number.parseInt((await readFile(path, 'utf8')).trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else, which still means "in use".
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
