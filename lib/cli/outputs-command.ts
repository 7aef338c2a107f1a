/**
 * `prt outputs <pipeline> [--run R] [--output step/output] [--status failed]`: registered outputs
 * and their test status, report and quarantine. Without options, the latest version of each logical
 * output the pipeline has registered; with --run, every object of that run; with --output, every
 * version of one output, newest first; for an s3:// URI, the registered versions of that object.
 * Long listings are paged with --limit / --cursor.
 */
import type { Command } from 'commander';
import {
  formatOutputName,
  parseOutputName,
  versionTokenOf,
  type Page,
  type RegistryEntry,
  TEST_STATUSES,
  isTestStatus,
  type TestStatus,
} from '../../lambdas/core/registry';
import { AwsSession, UsageError, positiveInteger } from './aws-session';
import { runCommand } from './command-errors';
import { formatTable } from './reporting/text-table';

interface OutputsOptions {
  readonly run?: string;
  readonly output?: string;
  readonly status?: string;
  readonly limit: string;
  readonly cursor?: string;
  readonly table?: string;
  readonly json?: boolean;
}

function statusesOf(text: string | undefined): TestStatus[] | undefined {
  if (text === undefined) return undefined;
  const list = text.split(',').map((s) => s.trim());
  const bad = list.filter((s) => !isTestStatus(s));
  if (bad.length > 0)
    throw new UsageError(
      `--status ${bad.join(', ')}: expected ${TEST_STATUSES.join(', ')} (comma-separated)`,
    );
  return list as TestStatus[];
}

/** Longest reason shown in a listing row; `--json` gives the whole text. */
const REASON_CHARS = 160;

/**
 * Why a version has its status, in one line a person can act on: for a version that could not be
 * tested (or could not be read), the error's class and its message (the Lambda error JSON the state
 * machine recorded as the cause, unwrapped), else the validation summary; shortened to one line.
 */
export function reasonOf(e: RegistryEntry, max = REASON_CHARS): string {
  let text = e.summary ?? e.note ?? '';
  if ((e.status === 'failed' || e.status === 'error') && e.failureReason !== undefined) {
    let message = e.failureCause ?? '';
    try {
      const parsed = JSON.parse(message) as { errorMessage?: unknown };
      if (typeof parsed.errorMessage === 'string') message = parsed.errorMessage;
    } catch {
      // a cause that is not Lambda's error JSON is shown as it is
    }
    text = message ? `${e.failureReason}: ${message}` : e.failureReason;
  }
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

function row(e: RegistryEntry): string[] {
  const name = e.pipeline && e.step && e.output ? `${e.step}/${e.output}` : '-';
  const details = reasonOf(e);
  return [
    e.status.toUpperCase(),
    name,
    e.runId ?? '-',
    e.registeredAt.replace(/\.\d+Z$/, 'Z'),
    versionTokenOf(e),
    e.uri,
    e.reportUri ?? '-',
    details,
  ];
}

function toJson(page: { items: readonly RegistryEntry[]; cursor?: string }): string {
  return JSON.stringify(
    { items: page.items, cursor: page.cursor ?? null },
    (_key, value: unknown) => (value instanceof Set ? [...(value as Set<unknown>)] : value),
    2,
  );
}

export function registerOutputsCommand(program: Command): void {
  program
    .command('outputs')
    .description(
      "a pipeline's registered outputs with their test status (latest per output, a run's, or one output's versions)",
    )
    .argument(
      '<pipeline>',
      'pipeline name, as in the contracts; or an s3:// URI for the versions of one object',
    )
    .option('--run <id>', 'every object registered in this pipeline run')
    .option('--output <step/output>', 'every version of one logical output, newest first')
    .option('--status <status>', `only these statuses (${TEST_STATUSES.join(', ')}; comma-separated)`)
    .option('--limit <n>', 'rows per page', '50')
    .option('--cursor <cursor>', 'the next page, as printed after a full page')
    .option('--table <name>', 'registry table (default $PRT_REGISTRY_TABLE)')
    .option('--json', 'print the entries as JSON')
    .action(async (pipeline: string, options: OutputsOptions) => {
      const session = new AwsSession();
      await runCommand(
        'outputs',
        session,
        async () => {
          const status = statusesOf(options.status);
          const limit = positiveInteger(options.limit, '--limit')!;
          const registry = session.registry(options.table);
          const request = {
            limit,
            ...(status ? { status } : {}),
            ...(options.cursor ? { cursor: options.cursor } : {}),
          };
          let page: Page<RegistryEntry>;
          let heading: string;
          if (pipeline.startsWith('s3://')) {
            // One object key: every registered version, with its status, report and quarantine.
            if (options.run !== undefined || options.output !== undefined || options.cursor !== undefined) {
              throw new UsageError('--run, --output and --cursor apply to a pipeline, not to an s3:// URI');
            }
            const versions = await registry.versionsOf(pipeline);
            page = { items: status ? versions.filter((e) => status.includes(e.status)) : versions };
            heading = `${pipeline}: registered versions, newest first`;
          } else if (options.output !== undefined) {
            const name = parseOutputName(options.output, pipeline);
            if (name.pipeline !== pipeline)
              throw new UsageError(`--output ${options.output} is not in pipeline ${pipeline}`);
            const step = options.run === undefined ? undefined : { step: name.step, output: name.output };
            page = step
              ? await registry.runOutputs(pipeline, options.run!, { ...request, ...step })
              : await registry.versions(name, request);
            heading = `${formatOutputName(name)}${options.run ? ` in run ${options.run}` : ''}: versions${step ? '' : ', newest first'}`;
          } else if (options.run !== undefined) {
            page = await registry.runOutputs(pipeline, options.run, request);
            heading = `${pipeline} run ${options.run}`;
          } else {
            if (options.cursor)
              throw new UsageError(
                '--cursor pages --run and --output listings; the latest-per-output listing is one page',
              );
            const items: RegistryEntry[] = [];
            for (const name of await registry.logicalOutputs(pipeline)) {
              const [latest] = (await registry.versions(name, { limit: 1, ...(status ? { status } : {}) }))
                .items;
              if (latest) items.push(latest);
            }
            page = { items };
            heading = `${pipeline}: latest version of each output${status ? ` with status ${status.join(' or ')}` : ''}`;
          }
          if (options.json) {
            console.log(toJson(page));
            return;
          }
          if (page.items.length === 0) {
            console.log(
              `${heading}: nothing registered${status ? ` with status ${status.join(' or ')}` : ''}`,
            );
            return;
          }
          console.log(`${heading} (${page.items.length})\n`);
          console.log(
            formatTable(
              ['STATUS', 'OUTPUT', 'RUN', 'REGISTERED', 'VERSION', 'OBJECT', 'REPORT', 'DETAILS'],
              page.items.map(row),
            ),
          );
          const quarantined = page.items.filter((e) => e.quarantineUri);
          if (quarantined.length > 0) {
            console.log('\nfailing rows (quarantine):');
            for (const e of quarantined)
              console.log(`  ${e.uri} ${versionTokenOf(e)}\n    ${e.quarantineUri}`);
          }
          if (page.cursor) {
            const args = [
              pipeline,
              options.run ? `--run ${options.run}` : '',
              options.output ? `--output ${options.output}` : '',
              options.status ? `--status ${options.status}` : '',
              `--limit ${limit}`,
            ]
              .filter(Boolean)
              .join(' ');
            console.log(`\nmore: prt outputs ${args} --cursor ${page.cursor}`);
          }
        },
        { table: options.table ?? process.env['PRT_REGISTRY_TABLE'] ?? '' },
      );
    });
}
