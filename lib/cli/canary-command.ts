/**
 * `prt canary`: runs the synthetic canary once on the embedded stack with the environment's canary
 * settings (the same definition the environments deploy), prints the verdict and exits 1 when the
 * canary fails or cannot run. The serving stack of `prt local --serve` exposes S3 and DynamoDB but
 * no Step Functions API, so the command starts a fresh embedded stack of its own with the
 * repository's contracts, as `prt local` does for its demo.
 */
import type { Command } from 'commander';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadEnvironmentFromCdkJson } from '../config/project-config';
import { PROJECT_ROOT } from '../config/project-paths';
import { EmbeddedStack, type CanaryRun } from '../local/embedded-stack';

interface CanaryOptions {
  readonly env: string;
  readonly contracts?: string;
  readonly rows?: string;
  readonly json?: boolean;
}

/** The verdict as a person reads it. */
export function formatCanaryRun(run: CanaryRun): string {
  const detail = run.event?.detail;
  const verdict = detail?.verdict;
  if (!verdict)
    return `canary ERROR: ${detail?.error?.Error ?? run.error ?? 'no verdict'}: ${detail?.error?.Cause ?? run.cause ?? ''}`;
  const lines = [
    `canary ${verdict.passed ? 'PASSED' : 'FAILED'}: ${verdict.cases} generated outputs, ${verdict.differences.length} differences (run ${verdict.runId})`,
    ...verdict.differences.map((d) => `  - ${d.message}`),
    ...verdict.uncovered.map((u) => `  not covered: ${u.output} ${u.rule}: ${u.reason}`),
  ];
  return lines.join('\n');
}

export function registerCanaryCommand(program: Command): void {
  program
    .command('canary')
    .description(
      'run the synthetic canary once on the embedded stack and print its verdict (exit 1 on failure)',
    )
    .option('--env <name>', 'environment from cdk.json whose canary settings to use', 'dev')
    .option(
      '--contracts <names>',
      'comma-separated pipeline/step/output names (default: the config, else all)',
    )
    .option('--rows <n>', 'rows per generated output')
    .option('--json', 'print the verdict as JSON')
    .action(async (options: CanaryOptions) => {
      const rows = options.rows === undefined ? undefined : Number(options.rows);
      if (rows !== undefined && (!Number.isSafeInteger(rows) || rows < 1 || rows > 100_000)) {
        console.error(`prt canary: --rows must be a whole number from 1 to 100000, not '${options.rows}'`);
        process.exitCode = 2;
        return;
      }
      const dataDir = mkdtempSync(join(tmpdir(), 'prt-canary-'));
      const stack = await EmbeddedStack.start({
        repoRoot: PROJECT_ROOT,
        config: loadEnvironmentFromCdkJson(PROJECT_ROOT, options.env),
        contractsDir: join(PROJECT_ROOT, 'contracts'),
        dataDir,
      });
      try {
        const run = await stack.runCanary({
          ...(options.contracts ? { contracts: options.contracts.split(',').map((c) => c.trim()) } : {}),
          ...(rows !== undefined ? { rows } : {}),
        });
        console.log(options.json ? JSON.stringify(run.event?.detail ?? run, null, 2) : formatCanaryRun(run));
        if (run.status !== 'SUCCEEDED' || run.event?.detail.verdict?.passed !== true) process.exitCode = 1;
      } finally {
        await stack.stop();
        rmSync(dataDir, { recursive: true, force: true });
      }
    });
}
