/**
 * Contracts live as YAML/JSON objects under the artifacts bucket's `contracts/` prefix (the stack
 * seeds them from the repository's `contracts/` folder). A warm Lambda keeps the parsed set for a
 * short TTL so a burst of arrivals lists the prefix once, while an edited contract takes effect
 * within a minute. A refresh re-parses only files whose ETag changed, and a file over the size
 * limit (CONTRACT_LIMITS) is set aside without reading it whole. A broken contract file is set aside with its error, not allowed to stop every
 * other output from being tested.
 */
import { ContractError } from '../errors';
import { readText, type ObjectStore, type ObjectSummary } from '../storage/object-store';
import { checkContractBytes } from './contract-limits';
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

/** What one listed file parsed to, remembered until its ETag changes. */
type Parsed =
  | { readonly etag: string; readonly contract: OutputContract }
  | { readonly etag: string; readonly broken: BrokenContract };

/** Bytes read from an oversized contract to find its `path:` line (top-level keys come first in practice). */
const PATH_PROBE_BYTES = 16 * 1024;

export class ContractCatalog {
  private cached: { at: number; snapshot: CatalogSnapshot } | undefined;
  private readonly byKey = new Map<string, OutputContract>();
  /** Parsed files by key; a refresh re-reads and re-parses only files whose ETag changed. */
  private parsedFiles = new Map<string, Parsed>();
  /** When each contract in byKey was last matched to its object, and that object's ETag. */
  private readonly checked = new Map<string, { readonly at: number; readonly etag: string }>();

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
    const parsedFiles = new Map<string, Parsed>();
    for await (const obj of this.store.list(this.bucket, this.prefix)) {
      if (!/\.(ya?ml|json)$/i.test(obj.key)) continue;
      const known = this.parsedFiles.get(obj.key);
      const parsed = known?.etag === obj.etag ? known : await this.parseFile(obj);
      parsedFiles.set(obj.key, parsed);
      if ('contract' in parsed) {
        entries.push({ key: obj.key, contract: parsed.contract });
        this.byKey.set(obj.key, parsed.contract);
        this.checked.set(obj.key, { at: this.now(), etag: obj.etag });
      } else {
        broken.push(parsed.broken);
        this.byKey.delete(obj.key);
      }
    }
    this.parsedFiles = parsedFiles;
    const snapshot = { entries, broken };
    this.cached = { at: this.now(), snapshot };
    return snapshot;
  }

  /**
   * The contract stored at a key (as Register resolved it), parsed once per version: within the
   * TTL it is served from memory, past it a HEAD checks its ETag, so an edited contract applies
   * here as soon as it does in snapshot().
   */
  async get(key: string): Promise<OutputContract> {
    const hit = this.byKey.get(key);
    const checked = this.checked.get(key);
    if (hit && checked && this.now() - checked.at < this.ttlMs) return hit;
    // The size is known before the body is read, so an oversized file costs a HEAD, not its bytes.
    const head = await this.store.head(this.bucket, key);
    if (hit && checked?.etag === head.etag) {
      this.checked.set(key, { at: this.now(), etag: head.etag });
      return hit;
    }
    checkContractBytes(head.size, key);
    const contract = parseContract(await readText(this.store, this.bucket, key), key);
    this.byKey.set(key, contract);
    this.checked.set(key, { at: this.now(), etag: head.etag });
    return contract;
  }

  private async parseFile(obj: ObjectSummary): Promise<Parsed> {
    let text: string | undefined;
    try {
      checkContractBytes(obj.size, obj.key);
      text = await readText(this.store, this.bucket, obj.key);
      return { etag: obj.etag, contract: parseContract(text, obj.key) };
    } catch (error) {
      if (!(error instanceof ContractError)) throw error;
      text ??= new TextDecoder().decode(
        await this.store.readRange(this.bucket, obj.key, 0, PATH_PROBE_BYTES - 1),
      );
      const path = declaredPath(text);
      return { etag: obj.etag, broken: { key: obj.key, error: error.message, ...(path ? { path } : {}) } };
    }
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
