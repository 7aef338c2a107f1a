/**
 * `prt cache ls | clean [--older-than 7d]`: what the local download cache holds, and removing it.
 * The cache's location and limits come from --cache-dir or PRT_CACHE_DIR / PRT_CACHE_TTL /
 * PRT_CACHE_MAX_SIZE, the same settings `prt download` uses.
 */
import type { Command } from 'commander';
import { parseDuration } from '../../lambdas/core/download';
import { AwsSession, type CacheFlags } from './aws-session';
import { runCommand } from './command-errors';
import { formatAge, formatBytes } from './human-units';
import { formatTable } from './reporting/text-table';

interface CacheOptions extends CacheFlags {
  readonly json?: boolean;
  readonly olderThan?: string;
}

function cacheOptions(command: Command): Command {
  return command
    .option('--cache-dir <dir>', 'cache folder (default $PRT_CACHE_DIR, else ~/.cache/prt)')
    .option('--json', 'print the result as JSON');
}

export function registerCacheCommands(program: Command): void {
  const cache = program.command('cache').description('inspect and clean the local download cache');
  cacheOptions(
    cache.command('ls').description('list cached object versions, most recently used first'),
  ).action(async (options: CacheOptions) => {
    const session = new AwsSession();
    await runCommand('cache ls', session, async () => {
      const store = session.cache(options);
      const entries = await store.list();
      const total = entries.reduce((n, e) => n + e.bytesOnDisk, 0);
      if (options.json) {
        console.log(
          JSON.stringify(
            {
              dir: store.root,
              ttlMs: store.settings.ttlMs,
              maxBytes: store.settings.maxBytes,
              totalBytes: total,
              entries,
            },
            null,
            2,
          ),
        );
        return;
      }
      console.log(
        `${store.root}: ${entries.length} entr${entries.length === 1 ? 'y' : 'ies'}, ${formatBytes(total)} of ${formatBytes(store.settings.maxBytes)}; unused entries expire after ${Math.round(store.settings.ttlMs / 86_400_000)} d`,
      );
      if (entries.length === 0) return;
      console.log('');
      console.log(
        formatTable(
          ['LAST USED', 'SIZE', 'STATE', 'VERSION', 'OBJECT'],
          entries.map((e) => [
            formatAge(e.lastUsedAt),
            formatBytes(e.bytesOnDisk),
            e.state === 'partial' ? `partial${e.locked ? ' (downloading)' : ''}` : 'complete',
            e.version.length > 24 ? `${e.version.slice(0, 23)}…` : e.version,
            e.uri,
          ]),
        ),
      );
    });
  });
  cacheOptions(
    cache
      .command('clean')
      .description(
        'remove cached versions (all, or those unused for --older-than); downloads in progress are kept',
      )
      .option('--older-than <duration>', 'only entries unused for this long, e.g. 7d, 12h, 30m'),
  ).action(async (options: CacheOptions) => {
    const session = new AwsSession();
    await runCommand('cache clean', session, async () => {
      const store = session.cache(options);
      const olderThanMs = options.olderThan !== undefined ? parseDuration(options.olderThan) : undefined;
      const { removed, bytes } = await store.clean(olderThanMs !== undefined ? { olderThanMs } : {});
      if (options.json) {
        console.log(
          JSON.stringify({ dir: store.root, removed: removed.length, bytes, entries: removed }, null, 2),
        );
        return;
      }
      console.log(
        `removed ${removed.length} entr${removed.length === 1 ? 'y' : 'ies'} (${formatBytes(bytes)}) from ${store.root}`,
      );
    });
  });
}
