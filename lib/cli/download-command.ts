/**
 * `prt download <s3://bucket/key | pipeline/step/output>`: fetches object versions, verified,
 * through the local cache; a logical name is resolved through the registry (the latest run by
 * default, `--run`, or `--version`). `--sample N` writes the first N rows only, `--list-versions`
 * lists versions instead of downloading. A registered folder (a partitioned output) or an
 * `s3://…/` URI stands for its parts (download/folder-parts.ts): each is fetched with the same
 * checks, into `<to>/<folder name>/<path below the folder>`, and a sample reads across them.
 */
import type { Command } from 'commander';
import { resolve } from 'node:path';
import { DATA_FORMATS, type DataFormat } from '../../lambdas/core/contracts';
import {
  folderOfEntry,
  localPathsOfItems,
  partsOfFolder,
  type FolderVersion,
  prepareInside,
  resolveInside,
  type LocalPath,
  type DownloadResult,
  type ObjectDownloader,
  type DownloadTarget,
  NoSuchVersionError,
} from '../../lambdas/core/download';
// eslint-disable-next-line prt/core-public-face -- sampling reads tables (Arrow, Parquet); the download index stays light for `prt outputs`, `prt cache` and `prt local`
import { sampleParts } from '../../lambdas/core/download/sample-object';
import { FormatError } from '../../lambdas/core/errors';
import { extensionOf, inspectSource } from '../../lambdas/core/formats';
import {
  formatOutputName,
  parseOutputName,
  versionTokenOf,
  type RegistryEntry,
  NotRegisteredError,
  resolveOutput,
} from '../../lambdas/core/registry';
import { fileSink, parseS3Uri, s3Uri } from '../../lambdas/core/storage';
import { AwsSession, UsageError, positiveInteger, type DownloadFlags } from './aws-session';
import { runCommand } from './command-errors';
import { formatBytes, formatRate } from './human-units';
import { Progress } from './progress';
import { formatTable } from './reporting/text-table';

interface DownloadOptions extends DownloadFlags {
  readonly version?: string;
  readonly run?: string;
  readonly to?: string;
  readonly sample?: string;
  readonly format?: string;
  readonly listVersions?: boolean;
  readonly limit: string;
  readonly cursor?: string;
  readonly table?: string;
  readonly json?: boolean;
}

/** One object to fetch, with what the registry knows about it (when resolved by name). */
interface Wanted {
  readonly target: DownloadTarget;
  readonly entry?: RegistryEntry;
  /** The registered folder (or `s3://…/` URI) this object is a part of. */
  readonly folder?: string;
}

/** A version given on the command line: an S3 version id, or `etag:<etag>` for an unversioned object. */
function targetOf(bucket: string, key: string, version: string | undefined): DownloadTarget {
  if (version === undefined) return { bucket, key };
  if (version.startsWith('etag:')) return { bucket, key, etag: version.slice(5) };
  return { bucket, key, versionId: version };
}

function entryTarget(entry: RegistryEntry): DownloadTarget {
  return entry.versionId
    ? { bucket: entry.bucket, key: entry.key, versionId: entry.versionId }
    : { bucket: entry.bucket, key: entry.key, etag: entry.etag };
}

function describe(result: DownloadResult): string[] {
  const version = result.versionId ?? `etag:${result.etag}`;
  const how =
    result.source === 'cache'
      ? 'from the cache (same version as S3)'
      : `${result.source === 'resumed' ? 'resumed and finished' : 'downloaded'} in ${result.seconds.toFixed(2)} s (${formatRate(result.bytesTransferred, result.seconds)}, ${result.parts} part${result.parts === 1 ? '' : 's'})`;
  const lines = [`${result.uri}  ${version}  ${formatBytes(result.size)}  ${how}`];
  if (result.repaired)
    lines.push('  repaired  the cached copy was damaged; it was replaced by a fresh download');
  lines.push(`  verified  ${result.verified.join(', ')}`);
  for (const u of result.unverifiable) lines.push(`  note      ${u}`);
  lines.push(`  file      ${result.path}`);
  if (result.copiedTo) lines.push(`  copied to ${result.copiedTo}`);
  if (result.evicted > 0)
    lines.push(
      `  cache     evicted ${result.evicted} least recently used entr${result.evicted === 1 ? 'y' : 'ies'}`,
    );
  return lines;
}

async function listVersions(session: AwsSession, target: string, options: DownloadOptions): Promise<void> {
  if (target.startsWith('s3://')) {
    const { bucket, key } = parseS3Uri(target);
    const versions = await session.downloader(options).listVersions(bucket, key);
    if (options.json) {
      console.log(JSON.stringify(versions, null, 2));
      return;
    }
    console.log(
      formatTable(
        ['VERSION', 'LAST MODIFIED', 'SIZE', 'ETAG', ''],
        versions.map((v) => [
          v.versionId,
          v.lastModified ?? '-',
          v.deleteMarker ? '-' : formatBytes(v.size),
          v.etag ?? '-',
          `${v.isLatest ? 'latest' : ''}${v.deleteMarker ? ' delete marker' : ''}`.trim(),
        ]),
      ),
    );
    return;
  }
  const name = parseOutputName(target);
  const page = await session.registry(options.table).versions(name, {
    limit: positiveInteger(options.limit, '--limit')!,
    ...(options.cursor ? { cursor: options.cursor } : {}),
  });
  if (options.json) {
    console.log(
      JSON.stringify(
        { items: page.items, cursor: page.cursor ?? null },
        (_k, v: unknown) => (v instanceof Set ? [...(v as Set<unknown>)] : v),
        2,
      ),
    );
    return;
  }
  console.log(
    formatTable(
      ['REGISTERED', 'STATUS', 'RUN', 'VERSION', 'SIZE', 'OBJECT'],
      page.items.map((e) => [
        e.registeredAt,
        e.status,
        e.runId ?? '-',
        versionTokenOf(e),
        formatBytes(e.size),
        e.uri,
      ]),
    ),
  );
  if (page.cursor) console.log(`\nmore: prt download ${target} --list-versions --cursor ${page.cursor}`);
}

async function resolveWanted(
  session: AwsSession,
  downloader: ObjectDownloader,
  target: string,
  options: DownloadOptions,
): Promise<Wanted[]> {
  if (target.startsWith('s3://')) {
    if (options.run !== undefined)
      throw new UsageError(
        '--run picks the objects of a logical output; an s3:// URI names one object already',
      );
    const { bucket, key } = parseS3Uri(target);
    if (key.endsWith('/')) {
      if (options.version !== undefined)
        throw new UsageError(
          "a folder's version is its marker's, known to the registry: download it by its logical name with --version",
        );
      return folderWanted(downloader, { bucket, folder: key });
    }
    return [{ target: targetOf(bucket, key, options.version) }];
  }
  const name = parseOutputName(target);
  const resolved = await resolveOutput(session.registry(options.table), name, {
    ...(options.version !== undefined ? { version: options.version } : {}),
    ...(options.run !== undefined ? { runId: options.run } : {}),
  });
  if (resolved.entries.length === 0) {
    const what =
      options.version !== undefined
        ? `version ${options.version} of `
        : options.run !== undefined
          ? `run ${options.run} of `
          : '';
    throw new NotRegisteredError(
      `no registered ${what}${formatOutputName(name)}; see what there is with \`prt outputs ${name.pipeline}\``,
    );
  }
  for (const e of resolved.entries.filter((x) => x.status === 'failed')) {
    console.error(
      `prt download: warning: ${e.uri} (${versionTokenOf(e)}) failed its tests${e.reportUri ? `; report: ${e.reportUri}` : ''}`,
    );
  }
  const wanted: Wanted[] = [];
  for (const entry of resolved.entries) {
    const folder = folderOfEntry(entry);
    if (folder) wanted.push(...(await folderWanted(downloader, folder, entry)));
    else wanted.push({ target: entryTarget(entry), entry });
  }
  return wanted;
}

/** A folder's parts at its version, each fetched by the ETag it was listed with. */
async function folderWanted(
  downloader: ObjectDownloader,
  folder: FolderVersion,
  entry?: RegistryEntry,
): Promise<Wanted[]> {
  const parts = await partsOfFolder(downloader, folder);
  return parts.map((p) => ({ target: p.target, folder: folder.folder, ...(entry ? { entry } : {}) }));
}

/**
 * Local paths, distinct for distinct keys: the parts of one folder below `<folder name>/`, any
 * other mix relative to the folder the keys share. Renames are said, never silent.
 */
function localPaths(wanted: readonly Wanted[]): LocalPath[] {
  const paths = localPathsOfItems(wanted.map((w) => ({ key: w.target.key, folder: w.folder })));
  for (const p of paths) {
    if (p.renamedBecause !== undefined)
      console.error(`prt download: note: ${p.key} is written to ${p.path} (${p.renamedBecause})`);
  }
  return paths;
}

/** Wanted objects in runs that sample together: the parts of one folder, or one object. */
function sampleGroups(wanted: readonly Wanted[], paths: readonly LocalPath[]) {
  const groups: { items: Wanted[]; path: string }[] = [];
  wanted.forEach((w, i) => {
    const last = groups.at(-1);
    if (w.folder !== undefined && last && last.items[0]!.folder === w.folder) last.items.push(w);
    else
      groups.push({
        items: [w],
        // A folder's sample is named after the folder; an object's after its local path.
        path:
          w.folder !== undefined
            ? (paths[i]!.path.split('/')[0] ?? 'folder')
            : paths[i]!.path.replace(/(\.[A-Za-z0-9]+)?(\.gz)?$/, ''),
      });
  });
  return groups;
}

async function sampleGroup(
  downloader: ObjectDownloader,
  items: readonly Wanted[],
  stem: string,
  rows: number,
  options: DownloadOptions,
) {
  const infos = [];
  for (const w of items) {
    const info = await downloader.head(w.target);
    if (w.target.etag !== undefined && w.target.etag.replace(/"/g, '') !== info.etag)
      throw new NoSuchVersionError(
        `${info.uri} now has ETag ${info.etag}, not ${w.target.etag}: it was overwritten since it was listed`,
      );
    infos.push(info);
  }
  const sources = infos.map((info) => downloader.source(info));
  const format = options.format as DataFormat | undefined;
  const dir = resolve(options.to ?? '.');
  const detected = await inspectSource(sources[0]!);
  const to =
    format ??
    ((DATA_FORMATS as readonly string[]).includes(detected.format)
      ? (detected.format as DataFormat)
      : undefined);
  if (!to)
    throw new FormatError(`cannot tell the format of ${infos[0]!.uri} from its first bytes; pass --format`);
  const path = resolveInside(dir, `${stem}.sample.${extensionOf(to)}`);
  await prepareInside(dir, path);
  const result = await sampleParts(sources, fileSink(path), { rows, to });
  const folder = items[0]!.folder;
  return {
    uri: folder !== undefined ? s3Uri(infos[0]!.bucket, folder) : infos[0]!.uri,
    version:
      items[0]!.entry !== undefined
        ? versionTokenOf(items[0]!.entry)
        : (infos[0]!.versionId ?? `etag:${infos[0]!.etag}`),
    size: infos.reduce((n, i) => n + i.size, 0),
    path,
    bytesRead: sources.reduce((n, s) => n + s.bytesFetched(), 0),
    ...(folder !== undefined ? { parts: infos.length } : {}),
    ...result,
  };
}

export function registerDownloadCommand(program: Command): void {
  program
    .command('download')
    .description(
      'download outputs by s3:// URI or logical name (pipeline/step/output), verified, through the local cache',
    )
    .argument('<target>', 's3://bucket/key, or pipeline/step/output resolved through the registry')
    .option(
      '--version <id>',
      'an S3 version id, or etag:<etag> for an unversioned object (default: the latest)',
    )
    .option('--run <id>', "a logical output's objects in this pipeline run (default: its latest run)")
    .option('--to <dir>', 'also copy the files into this folder (default: print their paths in the cache)')
    .option(
      '--sample <rows>',
      'write only the first N rows (Parquet: at most its first row group), read with ranged GETs',
    )
    .option(
      '--format <format>',
      `format of a --sample file (${DATA_FORMATS.join(', ')}); default the object's own`,
    )
    .option(
      '--list-versions',
      'list versions instead of downloading: S3 versions of a URI, registered versions of a name',
    )
    .option('--limit <n>', 'versions per page for --list-versions of a name', '20')
    .option('--cursor <cursor>', 'the next page of --list-versions, as printed')
    .option('--table <name>', 'registry table (default $PRT_REGISTRY_TABLE)')
    .option('--cache-dir <dir>', 'cache folder (default $PRT_CACHE_DIR, else ~/.cache/prt)')
    .option(
      '--cache-ttl <duration>',
      'drop cache entries unused this long, e.g. 7d (default $PRT_CACHE_TTL, else 30d)',
    )
    .option(
      '--cache-max-size <size>',
      'evict least recently used entries beyond this, e.g. 5GB (default $PRT_CACHE_MAX_SIZE, else 10GB)',
    )
    .option('--concurrency <n>', 'ranged GETs in flight (default 8)')
    .option(
      '--part-size <size>',
      "bytes per ranged GET when the upload's part size is unknown (default 8MiB)",
    )
    .option(
      '--no-verify-cache',
      'reuse a cached copy after checking its size and time, without recomputing its MD5',
    )
    .option('--json', 'print the results as JSON')
    .action(async (target: string, options: DownloadOptions) => {
      const session = new AwsSession();
      await runCommand(
        'download',
        session,
        async () => {
          if (options.run !== undefined && options.version !== undefined)
            throw new UsageError('--run and --version exclude each other');
          if (options.format !== undefined && !(DATA_FORMATS as readonly string[]).includes(options.format)) {
            throw new UsageError(`--format '${options.format}' is not one of ${DATA_FORMATS.join(', ')}`);
          }
          if (options.format !== undefined && options.sample === undefined)
            throw new UsageError('--format applies to --sample');
          if (options.listVersions) return listVersions(session, target, options);
          const downloader = session.downloader(options);
          const wanted = await resolveWanted(session, downloader, target, options);
          const sampleRows = positiveInteger(options.sample, '--sample');
          const results: unknown[] = [];
          const names = localPaths(wanted);
          if (sampleRows !== undefined) {
            for (const group of sampleGroups(wanted, names)) {
              const sample = await sampleGroup(downloader, group.items, group.path, sampleRows, options);
              results.push(sample);
              if (!options.json) {
                const across =
                  sample.parts !== undefined ? ` across ${sample.partsRead} of ${sample.parts} parts` : '';
                console.log(
                  `${sample.uri}  ${sample.version}  sample of ${sample.rows} row${sample.rows === 1 ? '' : 's'}${across} (${sample.to}) → ${sample.path}\n  read      ${formatBytes(sample.bytesRead)} of ${formatBytes(sample.size)}${sample.limitedByRowGroup ? ' (stopped at the end of a first row group)' : ''}`,
                );
              }
            }
            if (options.json) console.log(JSON.stringify(results, null, 2));
            return;
          }
          for (const [i, w] of wanted.entries()) {
            // The bar is made at the first report, when HeadObject has told the size.
            let progress: Progress | undefined;
            const result = await downloader.download(w.target, {
              ...(options.to !== undefined ? { to: options.to, as: names[i]!.path } : {}),
              onProgress: (done, total) => {
                progress ??= new Progress(`downloading ${w.target.key.split('/').at(-1) ?? ''}`, total);
                progress.update(done);
              },
            });
            progress?.done();
            results.push({
              ...result,
              ...(w.entry ? { status: w.entry.status, runId: w.entry.runId ?? null } : {}),
              ...(w.folder !== undefined ? { partOf: s3Uri(w.target.bucket, w.folder) } : {}),
            });
            if (!options.json) console.log(describe(result).join('\n'));
          }
          if (options.json) console.log(JSON.stringify(results, null, 2));
        },
        { table: options.table ?? process.env['PRT_REGISTRY_TABLE'] ?? '' },
      );
    });
}
