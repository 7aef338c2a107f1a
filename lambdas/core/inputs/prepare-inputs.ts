/**
 * Data flow for one pipeline step run outside the pipeline (a laptop, a notebook, CI): the step's
 * contracts declare its inputs; each is resolved through the registry to concrete object versions
 * (the objects of a given run, a pinned version, or the latest run), downloaded through the cache
 * and, when the step expects another format, converted with the same proven conversion the state
 * machine uses (or, when the state machine already made and registered that copy, downloaded as it
 * is). The folder gets one sub-folder per input and a manifest, `prt-inputs.json`, naming every
 * version used: the run is reproducible, and its own outputs' lineage is known.
 *
 * Only versions whose tests passed or warned are used unless the caller says otherwise: a failed
 * output should not quietly feed the next step.
 *
 * A registered folder (a partitioned output) is staged as its parts at the registered version
 * (download/folder-parts.ts), below `<input>/<folder name>/`, each converted on its own when the
 * step reads another format; the manifest names each part and the folder version it belongs to.
 */
import { rm } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { convertTable } from '../conversion/convert-table';
import { logicalName, type DataFormat, type OutputContract } from '../contracts/output-contract';
import { ContractError } from '../errors';
import { extensionOf } from '../formats/content-type';
import { lineageNode, type LineageStore } from '../lineage/lineage-store';
import { formatOutputName, parseOutputName, type OutputName } from '../registry/output-name';
import { versionTokenOf, type OutputRegistry, type RegistryEntry } from '../registry/output-registry';
import { NotRegisteredError } from '../registry/registry-errors';
import { resolveOutput, type ResolveStrategy } from '../registry/resolve-output';
import type { TestStatus } from '../registry/status-transitions';
import { fileSink, fileSource } from '../storage/file-byte-io';
import { writeJsonAtomic } from '../download/download-cache';
import { folderOfEntry, localPathsOfItems, partsOfFolder } from '../download/folder-parts';
import { prepareInside, resolveInside, safeRelativePath } from '../download/safe-path';
import type { ObjectDownloader } from '../download/object-downloader';

export const INPUTS_MANIFEST = 'prt-inputs.json';

export interface PrepareDeps {
  readonly registry: OutputRegistry;
  readonly lineage: LineageStore;
  readonly downloader: ObjectDownloader;
  readonly now?: () => Date;
}

export interface PrepareOptions {
  /** `pipeline/step`. */
  readonly step: string;
  readonly contracts: readonly OutputContract[];
  readonly dir: string;
  /** Use the inputs of this pipeline run. */
  readonly runId?: string;
  /** Pinned versions by input (`pipeline/step/output` or `step/output`) → version id or etag:… */
  readonly pins?: Readonly<Record<string, string>>;
  /** The format the step reads; default each input's own. */
  readonly format?: DataFormat;
  /** Statuses accepted (default passed and warned). */
  readonly statuses?: readonly TestStatus[];
  readonly onFile?: (event: PreparedFile & { readonly input: string }) => void;
}

export interface PreparedFile {
  readonly uri: string;
  readonly version: string;
  readonly status: TestStatus;
  /** Relative to the folder. */
  readonly path: string;
  readonly format: string;
  /** How the bytes were obtained. */
  readonly via: 'cache' | 'download' | 'resumed' | 'registered-copy' | 'converted';
  /** The registered folder this file is a part of, at the folder's version. */
  readonly partOf?: { readonly uri: string; readonly version: string };
  readonly convertedFrom?: {
    readonly uri: string;
    readonly version: string;
    readonly format: string;
    readonly rows: number;
  };
}

export interface PreparedInput {
  readonly input: string;
  readonly strategy: ResolveStrategy;
  readonly runId: string | null;
  readonly files: readonly PreparedFile[];
}

export interface PreparedInputs {
  readonly step: string;
  readonly dir: string;
  readonly manifest: string;
  readonly inputs: readonly PreparedInput[];
}

const DEFAULT_STATUSES: readonly TestStatus[] = ['passed', 'warned'];

export function withExtension(path: string, format: DataFormat): string {
  const base = path.replace(/(\.(csv|tsv|txt|jsonl|ndjson|json|parquet|pq|arrow|feather|ipc))?(\.gz)?$/i, '');
  return `${base}.${extensionOf(format)}`;
}

/**
 * The inputs a step's contracts declare, by logical name (`pipeline/step/output`), in contract
 * order. A step no contract describes is a ContractError listing the steps that have contracts.
 */
export function declaredInputs(
  contracts: readonly OutputContract[],
  stepName: string,
): { readonly pipeline: string; readonly step: string; readonly inputs: Map<string, OutputName> } {
  const [pipeline, step, extra] = stepName.split('/');
  if (!pipeline || !step || extra !== undefined) {
    throw new ContractError(`'${stepName}' is not a step; write pipeline/step (e.g. sales/preprocessing)`);
  }
  const own = contracts.filter((c) => c.pipeline === pipeline && c.step === step);
  if (own.length === 0) {
    const known = [...new Set(contracts.map((c) => `${c.pipeline}/${c.step}`))].sort();
    throw new ContractError(
      `no contract describes an output of step ${pipeline}/${step}; steps with contracts: ${known.join(', ') || 'none'}`,
    );
  }
  const inputs = new Map<string, OutputName>();
  for (const contract of own) {
    for (const text of contract.inputs) {
      const name = parseOutputName(text, pipeline);
      inputs.set(formatOutputName(name), name);
    }
  }
  return { pipeline, step, inputs };
}

export async function prepareInputs(deps: PrepareDeps, options: PrepareOptions): Promise<PreparedInputs> {
  const { pipeline, step, inputs } = declaredInputs(options.contracts, options.step);
  const pins = new Map(
    Object.entries(options.pins ?? {}).map(([k, v]) => [formatOutputName(parseOutputName(k, pipeline)), v]),
  );
  for (const pinned of pins.keys()) {
    if (!inputs.has(pinned))
      throw new ContractError(
        `${pinned} is pinned but is not an input of ${pipeline}/${step} (inputs: ${[...inputs.keys()].join(', ') || 'none'})`,
      );
  }
  const statuses = options.statuses ?? DEFAULT_STATUSES;
  const prepared: PreparedInput[] = [];

  for (const [text, name] of inputs) {
    const version = pins.get(text);
    const resolved = await resolveOutput(deps.registry, name, {
      statuses,
      ...(version !== undefined ? { version } : options.runId !== undefined ? { runId: options.runId } : {}),
    });
    if (resolved.entries.length === 0)
      throw await nothingUsable(deps.registry, name, statuses, version, options.runId);
    const contract = options.contracts.find((c) => logicalName(c) === text);
    const staged = await stagedEntries(deps, resolved.entries);
    const names = localPathsOfItems(staged.map((s) => ({ key: s.entry.key, folder: s.folder })));
    const files: PreparedFile[] = [];
    for (const [i, item] of staged.entries()) {
      const relativePath = join(safeRelativePath(text), names[i]!.path);
      const file = await prepareOne(deps, options, item, relativePath, contract);
      files.push(file);
      options.onFile?.({ ...file, input: text });
    }
    prepared.push({ input: text, strategy: resolved.strategy, runId: resolved.runId, files });
  }

  const manifest = resolveInside(options.dir, INPUTS_MANIFEST);
  await prepareInside(options.dir, manifest);
  await writeJsonAtomic(manifest, {
    step: `${pipeline}/${step}`,
    preparedAt: (deps.now ?? (() => new Date()))().toISOString(),
    runId: options.runId ?? null,
    format: options.format ?? null,
    statuses,
    inputs: prepared,
  });
  return { step: `${pipeline}/${step}`, dir: options.dir, manifest, inputs: prepared };
}

export async function nothingUsable(
  registry: OutputRegistry,
  name: OutputName,
  statuses: readonly TestStatus[],
  version: string | undefined,
  runId: string | undefined,
): Promise<NotRegisteredError> {
  const any = await resolveOutput(registry, name, {
    ...(version !== undefined ? { version } : runId !== undefined ? { runId } : {}),
  });
  const where =
    version !== undefined ? `version ${version} of ` : runId !== undefined ? `run ${runId} of ` : '';
  const label = formatOutputName(name);
  if (any.entries.length === 0) {
    return new NotRegisteredError(
      `no registered ${where}${label}; check the name and run with \`prt outputs ${name.pipeline}\``,
    );
  }
  const seen = [...new Set(any.entries.map((e) => e.status))].join(', ');
  return new NotRegisteredError(
    `${where}${label} has no version with status ${statuses.join(' or ')} (found: ${seen}); pass --include-failed to use it anyway, or wait for its tests`,
  );
}

/** An object to stage: a registered object, or one part of a registered folder. */
export interface StagedEntry {
  readonly entry: RegistryEntry;
  /** For a part: the folder's key and its registry entry. */
  readonly folder?: string;
  readonly folderEntry?: RegistryEntry;
}

/** Registered folders become their parts (at the folder's version); objects stay as they are. */
export async function stagedEntries(
  deps: Pick<PrepareDeps, 'downloader'>,
  entries: readonly RegistryEntry[],
): Promise<StagedEntry[]> {
  const staged: StagedEntry[] = [];
  for (const entry of entries) {
    const folder = folderOfEntry(entry);
    if (!folder) {
      staged.push({ entry });
      continue;
    }
    for (const part of await partsOfFolder(deps.downloader, folder)) {
      // A part's version is its ETag as listed: it is fetched by that ETag, never another.
      const partEntry: RegistryEntry = {
        ...entry,
        uri: part.uri,
        key: part.key,
        etag: part.etag,
        size: part.size,
        versionId: null,
        sk: `VER#etag:${part.etag}`,
        partitioned: false,
      };
      staged.push({ entry: partEntry, folder: folder.folder, folderEntry: entry });
    }
  }
  return staged;
}

async function prepareOne(
  deps: PrepareDeps,
  options: PrepareOptions,
  item: StagedEntry,
  relativePath: string,
  contract: OutputContract | undefined,
): Promise<PreparedFile> {
  const { entry, folderEntry } = item;
  const version = versionTokenOf(entry);
  const base = {
    uri: entry.uri,
    version,
    status: entry.status,
    ...(folderEntry ? { partOf: { uri: folderEntry.uri, version: versionTokenOf(folderEntry) } } : {}),
  };
  const own = (entry.format ?? contract?.format) as DataFormat | undefined;
  const wanted = options.format;
  const target = (e: RegistryEntry) => ({
    bucket: e.bucket,
    key: e.key,
    // Unversioned: the registered ETag, so bytes written over the version fail instead of passing for it.
    ...(e.versionId ? { versionId: e.versionId } : { etag: e.etag }),
  });

  if (wanted === undefined || wanted === own) {
    const got = await deps.downloader.download(target(entry), { to: options.dir, as: relativePath });
    return { ...base, path: relative(options.dir, got.copiedTo!), format: own ?? 'unknown', via: got.source };
  }

  const destination = withExtension(relativePath, wanted);
  // The state machine may already have made this copy, with its equivalence proof: use it
  // (partitioned outputs are not converted by it, so a part has none).
  const copies = (folderEntry ? [] : await deps.lineage.downstream(lineageNode(entry.uri, version))).filter(
    (e) => e.kind === 'conversion' && (e.toOutput ?? '').endsWith(`@${wanted}`),
  );
  for (const copy of copies) {
    const at = copy.to.lastIndexOf('#');
    const registered = await deps.registry.find(copy.to.slice(0, at), copy.to.slice(at + 1));
    if (!registered) continue;
    const got = await deps.downloader.download(target(registered), { to: options.dir, as: destination });
    return {
      ...base,
      path: relative(options.dir, got.copiedTo!),
      format: wanted,
      via: 'registered-copy',
      convertedFrom: { uri: entry.uri, version, format: own ?? 'unknown', rows: registered.rowCount ?? -1 },
    };
  }

  const got = await deps.downloader.download(target(entry));
  const out = resolveInside(options.dir, destination);
  await prepareInside(options.dir, out);
  try {
    const result = await convertTable(fileSource(got.path), fileSink(out), () => fileSource(out), {
      to: wanted,
      ...(contract ? { contract } : own ? { from: own } : {}),
    });
    return {
      ...base,
      path: relative(options.dir, out),
      format: wanted,
      via: 'converted',
      convertedFrom: { uri: entry.uri, version, format: result.from, rows: result.rowsOut },
    };
  } catch (error) {
    await rm(out, { force: true });
    throw error;
  }
}
