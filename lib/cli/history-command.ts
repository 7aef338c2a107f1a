/**
 * `prt history <pipeline/step/output>`: the series a new version of an output is judged against
 * (version, arrival, status, row count and each column's judged metrics, newest first) and the
 * newest passed or warned version judged against the N before it, with the band of every metric.
 * `--format json` prints the same as one document. N, the least history and the threshold come
 * from the output's contract when `--contracts` names where it is, else the defaults; the flags
 * override either.
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { OutputContract } from '../../lambdas/core/contracts';
import {
  DEFAULT_HISTORY_SETTINGS,
  HISTORY_LIMITS,
  describeJudgement,
  judgeAgainstHistory,
  loadHistory,
  metricText,
  type HistorySettings,
} from '../../lambdas/core/history';
import { loadContractBucket, loadContractDirectory } from '../../lambdas/core/inputs';
import { formatOutputName, parseOutputName } from '../../lambdas/core/registry';
import { parseS3Uri } from '../../lambdas/core/storage';
import { AwsSession, UsageError, positiveInteger } from './aws-session';
import { runCommand } from './command-errors';
import { formatTable } from './reporting/text-table';

interface HistoryOptions {
  readonly format: string;
  readonly versions?: string;
  readonly minVersions?: string;
  readonly threshold?: string;
  readonly contracts?: string;
  readonly table?: string;
}

async function contractOf(
  session: AwsSession,
  location: string,
  name: string,
): Promise<OutputContract | undefined> {
  let loaded;
  if (location.startsWith('s3://')) {
    const { bucket, key } = parseS3Uri(location.endsWith('/') ? `${location}x` : `${location}/x`);
    loaded = await loadContractBucket(session.store, bucket, key.slice(0, -1));
  } else loaded = await loadContractDirectory(resolve(location));
  return loaded.contracts.find((c) => `${c.pipeline}/${c.step}/${c.output}` === name);
}

function bounded(text: string | undefined, flag: string): number | undefined {
  const n = positiveInteger(text, flag);
  if (n !== undefined && (n < HISTORY_LIMITS.leastVersions || n > HISTORY_LIMITS.maxVersions))
    throw new UsageError(
      `${flag} ${n}: expected ${HISTORY_LIMITS.leastVersions} to ${HISTORY_LIMITS.maxVersions}`,
    );
  return n;
}

/** The settings: the flags, else the contract's, else the defaults. */
export function settingsOf(
  options: Pick<HistoryOptions, 'versions' | 'minVersions' | 'threshold'>,
  contract: Pick<OutputContract, 'history'> | undefined,
): HistorySettings {
  const base = contract?.history ?? DEFAULT_HISTORY_SETTINGS;
  const versions = bounded(options.versions, '--versions') ?? base.versions;
  const minVersions = bounded(options.minVersions, '--min-versions') ?? Math.min(base.minVersions, versions);
  if (minVersions > versions)
    throw new UsageError(`--min-versions ${minVersions} exceeds --versions ${versions}`);
  let threshold = base.threshold;
  if (options.threshold !== undefined) {
    threshold = Number(options.threshold);
    if (!Number.isFinite(threshold) || threshold < 1 || threshold > 20)
      throw new UsageError(`--threshold ${options.threshold}: expected a number from 1 to 20`);
  }
  return { versions, minVersions, threshold };
}

export function registerHistoryCommand(program: Command): void {
  program
    .command('history')
    .description(
      "an output's series of versions (arrival, status, rows, column metrics) and the newest judged against the ones before it, with the expected bands",
    )
    .argument('<output>', 'the logical output: pipeline/step/output')
    .option('--format <format>', 'text or json', 'text')
    .option(
      '--versions <n>',
      `how many earlier versions make the history (default: the contract's, else ${DEFAULT_HISTORY_SETTINGS.versions})`,
    )
    .option(
      '--min-versions <n>',
      `fewer earlier versions: not enough history (default: the contract's, else ${DEFAULT_HISTORY_SETTINGS.minVersions})`,
    )
    .option(
      '--threshold <z>',
      `robust z-score beyond which a metric is an anomaly (default: the contract's, else ${DEFAULT_HISTORY_SETTINGS.threshold})`,
    )
    .option(
      '--contracts <location>',
      "where the output's contract is (a folder or s3://bucket/prefix/), for its history settings",
    )
    .option('--table <name>', 'registry table (default $PRT_REGISTRY_TABLE)')
    .action(async (text: string, options: HistoryOptions) => {
      const session = new AwsSession();
      await runCommand(
        'history',
        session,
        async () => {
          if (options.format !== 'text' && options.format !== 'json')
            throw new UsageError(`--format ${options.format}: expected text or json`);
          const name = parseOutputName(text);
          const full = formatOutputName(name);
          const contract =
            options.contracts !== undefined ? await contractOf(session, options.contracts, full) : undefined;
          if (options.contracts !== undefined && contract === undefined)
            throw new UsageError(`no contract for ${full} in ${options.contracts}`);
          const settings = settingsOf(options, contract);
          const loaded = await loadHistory(
            { registry: session.registry(options.table), store: session.store },
            name,
            { count: settings.versions + 1 },
          );
          const [newest, ...earlier] = loaded.versions;
          const check = newest
            ? judgeAgainstHistory(newest, earlier, settings, loaded.unreadReports)
            : undefined;
          if (options.format === 'json') {
            console.log(
              JSON.stringify(
                {
                  output: full,
                  settings,
                  settingsFrom: options.contracts !== undefined ? 'contract' : 'defaults',
                  series: loaded.versions.map((v, i) => ({ ...v, uri: loaded.entries[i]!.uri })),
                  judged: check ?? null,
                },
                null,
                2,
              ),
            );
            return;
          }
          if (!newest) {
            console.log(`${full}: no version passed or warned yet`);
            return;
          }
          const columns = [...new Set(loaded.versions.flatMap((v) => v.columns.map((c) => c.name)))];
          console.log(`${full}: ${loaded.versions.length} versions that passed or warned, newest first\n`);
          console.log(
            formatTable(
              [
                'VERSION',
                'ARRIVED',
                'STATUS',
                'ROWS',
                ...columns.flatMap((c) => [`${c} NULLS`, `${c} MEAN`, `${c} DISTINCT`]),
              ],
              loaded.versions.map((v) => [
                v.version,
                v.arrival,
                v.status.toUpperCase(),
                v.rowCount === undefined ? '-' : metricText('row_count', v.rowCount),
                ...columns.flatMap((c) => {
                  const m = v.columns.find((x) => x.name === c);
                  return [
                    m?.nullRate === undefined ? '-' : metricText('null_rate', m.nullRate),
                    m?.mean === undefined ? '-' : metricText('mean', m.mean),
                    m?.distinct === undefined ? '-' : metricText('distinct_count', m.distinct),
                  ];
                }),
              ]),
            ),
          );
          console.log(
            `\n${newest.version}, judged against the ${earlier.length} before it: ${check!.message}\n`,
          );
          if (check!.judged.length > 0)
            console.log(
              formatTable(
                ['METRIC', 'COLUMN', 'VALUE', 'EXPECTED', 'MEDIAN', 'BASIS', 'ANOMALY'],
                check!.judged.map((j) => [
                  j.metric,
                  j.column ?? '',
                  metricText(j.metric, j.value),
                  `${metricText(j.metric, j.expected.low)} – ${metricText(j.metric, j.expected.high)}`,
                  metricText(j.metric, j.expected.median),
                  j.basis,
                  j.anomalous ? 'yes' : '',
                ]),
              ),
            );
          for (const j of check!.judged.filter((x) => x.anomalous))
            console.log(`  anomaly: ${describeJudgement(j)}`);
        },
        { table: options.table ?? process.env['PRT_REGISTRY_TABLE'] ?? '' },
      );
    });
}
