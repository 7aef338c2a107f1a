/**
 * Keeps the artifacts bucket's contracts/ prefix in step with a local contracts folder while
 * `prt local --serve` runs: a file added or changed is uploaded, a file removed is deleted.
 *
 * It polls (every CONTRACT_POLL_INTERVAL_MS) rather than using fs.watch: recursive fs.watch is not
 * dependable on every platform Node 20 runs on (Linux gained it late, and it misses changes on
 * network and container-mounted folders), editors that save by rename fire events for names that
 * no longer exist, and a contracts folder holds tens of files, so one stat per file per second is
 * nothing. A change is applied once a poll sees the file as the previous poll did (size and mtime
 * alike), so an editor still writing it is not uploaded half-written: a one-poll debounce.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseContract } from '../../lambdas/core/contracts';

/** How often the folder is scanned; a saved contract is live within about two of these. */
export const CONTRACT_POLL_INTERVAL_MS = 1_000;

const CONTRACT_FILE = /\.(ya?ml|json)$/i;
/** The signature of a file that is not there. */
const ABSENT = 'absent';

/** Where contracts go: the embedded stack's putContract / deleteContract. */
export interface ContractDestination {
  putContract(name: string, body: Uint8Array): Promise<void>;
  deleteContract(name: string): Promise<void>;
}

export interface ContractChange {
  readonly name: string;
  readonly action: 'uploaded' | 'deleted';
  /** Why the catalog will set an uploaded file aside (it does not load), when it will. */
  readonly problem?: string;
}

export class ContractFolderWatcher {
  /** What the bucket holds, by file name relative to the folder: size:mtime, or ABSENT. */
  private readonly synced = new Map<string, string>();
  /** What the previous scan saw. */
  private previous = new Map<string, string>();
  private scans = 0;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly dir: string,
    private readonly destination: ContractDestination,
    private readonly onChange: (change: ContractChange) => void = () => undefined,
    private readonly onError: (error: Error) => void = () => undefined,
  ) {}

  /**
   * One scan. The first one uploads every file at once (the stack starts with the folder's
   * contents); later ones apply a change once two scans in a row agree on it.
   */
  async scan(): Promise<ContractChange[]> {
    const first = this.scans++ === 0;
    const current = this.list();
    const changes: ContractChange[] = [];
    for (const name of new Set([...current.keys(), ...this.synced.keys()])) {
      const signature = current.get(name) ?? ABSENT;
      if (signature === (this.synced.get(name) ?? ABSENT)) continue;
      if (!first && signature !== (this.previous.get(name) ?? ABSENT)) continue; // still changing
      const change = await this.apply(name, signature);
      if (change) {
        changes.push(change);
        this.onChange(change);
      }
    }
    this.previous = current;
    return changes;
  }

  /** Scans every CONTRACT_POLL_INTERVAL_MS until stop(); a failed scan is reported and retried. */
  start(): void {
    const tick = (): void => {
      this.running = this.scan().then(
        () => undefined,
        (error: unknown) => this.onError(error as Error),
      );
      void this.running.then(() => {
        if (this.timer !== undefined) this.timer = setTimeout(tick, CONTRACT_POLL_INTERVAL_MS);
      });
    };
    this.timer = setTimeout(tick, CONTRACT_POLL_INTERVAL_MS);
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private async apply(name: string, signature: string): Promise<ContractChange | undefined> {
    if (signature === ABSENT) {
      await this.destination.deleteContract(name);
      this.synced.delete(name);
      return { name, action: 'deleted' };
    }
    let body: Uint8Array;
    try {
      body = readFileSync(join(this.dir, name));
    } catch (error) {
      // Removed between the listing and the read: the next scan sees it absent.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    await this.destination.putContract(name, body);
    this.synced.set(name, signature);
    // Uploaded either way, as `prt contract push` would: the functions set a broken file aside
    // with its error. Saying why here spares a trip through the registry to find out.
    let problem: string | undefined;
    try {
      parseContract(new TextDecoder('utf-8', { fatal: true }).decode(body), name);
    } catch (error) {
      problem = (error as Error).message;
    }
    return { name, action: 'uploaded', ...(problem !== undefined ? { problem } : {}) };
  }

  /** Contract files under the folder (any depth) with their size:mtime signatures. */
  private list(): Map<string, string> {
    const found = new Map<string, string>();
    let entries;
    try {
      entries = readdirSync(this.dir, { recursive: true, withFileTypes: true });
    } catch (error) {
      // A folder removed while serving holds no contracts.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return found;
      throw error;
    }
    for (const entry of entries) {
      if (!entry.isFile() || !CONTRACT_FILE.test(entry.name)) continue;
      const path = join(entry.parentPath, entry.name);
      try {
        const stat = statSync(path);
        found.set(relative(this.dir, path).split('\\').join('/'), `${stat.size}:${stat.mtimeMs}`);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
    return found;
  }
}
