/**
 * `prt report <pipeline> --run <id> [--out <dir>] [--json]`: one report of a pipeline run, every
 * output the run registered with its status, rows, failed rules and reports, the rows flowing from
 * step to step along the run's lineage, and the schema compatibility of its validations. Prints a
 * summary; `--out` writes `run-<id>.json` and `run-<id>.html` there; `--json` prints the JSON.
 * Exits 1 when an output of the run failed or could not be tested, so CI can gate on a run.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { collectRunReport, renderRunReportHtml, type RunReport } from '../../lambdas/core/reporting';
import { AwsSession, UsageError } from './aws-session';
import { runCommand } from './command-errors';
import { formatTable } from './reporting/text-table';

interface ReportOptions {
  readonly run?: string;
  readonly out?: string;
  readonly json?: boolean;
  readonly table?: string;
}

/** A run id as a file name: characters outside [A-Za-z0-9._-] become '_'. */
export function runFileStem(runId: string): string {
  return `run-${runId.replace(/[^A-Za-z0-9._-]/g, '_')}`;
}

export function renderRunReportText(report: RunReport): string {
  const lines = [
    `${report.pipeline} run ${report.runId}: ${report.status.toUpperCase()} (${report.objects} objects in ${report.outputs.length} outputs)`,
  ];
  if (report.outputs.length > 0) {
    lines.push(
      '',
      formatTable(
        ['STATUS', 'OUTPUT', 'OBJECTS', 'ROWS', 'FAILED RULES'],
        report.outputs.map((o) => [
          o.status.toUpperCase(),
          o.output,
          String(o.objects),
          o.rowsUnknown > 0 ? `${o.rows} (+${o.rowsUnknown} unknown)` : String(o.rows),
          o.failedRules.map((r) => `${r.rule} (${r.objects})`).join(', ') || '-',
        ]),
      ),
    );
  }
  if (report.flow.length > 0) {
    lines.push(
      '',
      'rows from step to step:',
      ...report.flow.map(
        (f) =>
          `  ${f.from} (${f.rowsFrom ?? 'outside the run'}) -> ${f.to} (${f.rowsTo ?? 'outside the run'})`,
      ),
    );
  }
  for (const o of report.outputs) for (const e of o.errors) lines.push(`error: ${e}`);
  if (report.reportsMissing.length > 0)
    lines.push('', `reports that could not be read: ${report.reportsMissing.join(', ')}`);
  return lines.join('\n');
}

export function registerReportCommand(program: Command): void {
  program
    .command('report')
    .description(
      "one report of a pipeline run: every output's status, rows, failed rules and the rows between steps",
    )
    .argument('<pipeline>', 'pipeline name, as in the contracts')
    .requiredOption('--run <id>', 'the pipeline run')
    .option('--out <dir>', 'write run-<id>.json and run-<id>.html into this folder')
    .option('--json', 'print the report as JSON')
    .option('--table <name>', 'registry table (default $PRT_REGISTRY_TABLE)')
    .action(async (pipeline: string, options: ReportOptions) => {
      const session = new AwsSession();
      await runCommand(
        'report',
        session,
        async () => {
          if (options.run === undefined || options.run === '') throw new UsageError('--run <id> is required');
          const report = await collectRunReport(
            {
              registry: session.registry(options.table),
              lineage: session.lineage(options.table),
              store: session.store,
              now: () => new Date(),
            },
            pipeline,
            options.run,
          );
          const json = JSON.stringify(report, null, 2);
          if (options.out !== undefined) {
            await mkdir(options.out, { recursive: true });
            const stem = join(options.out, runFileStem(options.run));
            await writeFile(`${stem}.json`, `${json}\n`);
            await writeFile(`${stem}.html`, renderRunReportHtml(report));
          }
          console.log(options.json ? json : renderRunReportText(report));
          if (options.out !== undefined && !options.json)
            console.log(`\nwritten: ${join(options.out, runFileStem(options.run))}.{json,html}`);
          return report.status === 'failed' || report.status === 'error' ? 1 : 0;
        },
        { table: options.table ?? process.env['PRT_REGISTRY_TABLE'] ?? '' },
      );
    });
}
