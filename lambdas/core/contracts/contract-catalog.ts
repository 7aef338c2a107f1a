/**
 * Contracts live as YAML/JSON objects under the artifacts bucket's `contracts/` prefix (the stack
 * seeds them from the repository's `contracts/` folder). A warm Lambda keeps the parsed set for a
 * short TTL so a burst of arrivals lists the prefix once, while an edited contract takes effect
 * within a minute. A broken contract file is set aside with its error, not allowed to stop every
 * other output from being tested.
 */
import { ContractError } from '../errors';
import { readText, type ObjectStore } from '../storage/object-store';
import { parseContract } from './parse-contract';
import type { OutputContract } from './output-contract';

export interface CatalogEntry {
  readonly key: string;
  readonly contract: OutputContract;
}

export interface CatalogSnapshot {
  readonly entries: readonly CatalogEntry[];
  /** Contract files that failed to load, with the reason (and their path template, when readable). */
  readonly broken: readonly BrokenContract[];
}

export interface BrokenContract {
  readonly key: string;
  readonly error: string;
  /** The file's `path:` as written, so the outputs it meant to claim can be failed, not ignored. */
  readonly path?: string;
}

export class ContractCatalog {
  private cached: { at: number; snapshot: CatalogSnapshot } | undefined;
  private readonly byKey = new Map<string, OutputContract>();

  constructor(
    private readonly store: ObjectStore,
    private readonly bucket: string,
    private readonly prefix: string,
    private readonly ttlMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  async snapshot(): Promise<CatalogSnapshot> {
    if (this.cached && this.now() - this.cached.at < this.ttlMs) return this.cached.snapshot;
    const entries: CatalogEntry[] = [];
    const broken: BrokenContract[] = [];
    for await (const obj of this.store.list(this.bucket, this.prefix)) {
      if (!/\.(ya?ml|json)$/i.test(obj.key)) continue;
      const text = await readText(this.store, this.bucket, obj.key);
      try {
        const contract = parseContract(text, obj.key);
        entries.push({ key: obj.key, contract });
        this.byKey.set(obj.key, contract);
      } catch (error) {
        if (!(error instanceof ContractError)) throw error;
        const path = declaredPath(text);
        broken.push({ key: obj.key, error: error.message, ...(path ? { path } : {}) });
      }
    }
    const snapshot = { entries, broken };
    this.cached = { at: this.now(), snapshot };
    return snapshot;
  }

  /** The contract stored at a key (as Register resolved it), parsed once per container. */
  async get(key: string): Promise<OutputContract> {
    const hit = this.byKey.get(key);
    if (hit) return hit;
    const contract = parseContract(await readText(this.store, this.bucket, key), key);
    this.byKey.set(key, contract);
    return contract;
  }
}

/**
 * The `path:` line of a contract file that does not load, read as plainly as possible (the file may
 * not even be valid YAML): a top-level `path:` with a value that is one word, optionally quoted.
 */
function declaredPath(text: string): string | undefined {
  const m = /^path:[ \t]*(['"]?)([^'"\s#]+)\1[ \t]*(#.*)?$/m.exec(text);
  return m?.[2];
}
