/**
 * The expected-outputs checks on the embedded stack. EventBridge Scheduler has no local stand-in,
 * so the stack keeps a clock a test (or `npm start`) can move, and `runDueChecks()` starts the same
 * state machine (statemachines/expected-outputs.asl.json, bound to the real check-expected handler)
 * for every deadline whose window ended since the last run, by that clock, then sweeps the relative
 * waits due by it, as the deployed schedules would have. Output Tested events reach the machine as
 * the deployed rule hands them over (late arrivals, and the waits an input starts).
 *
 * The windows are computed from the clock; arrivals are registered at the time they happen. A test
 * moves the clock to a time before the arrival it then makes, as the deployed system sees a
 * deadline pass before a late version comes.
 */
import { StateMachine } from 'aws-local-stepfunctions';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FunctionDependencies } from '../../lambdas/runtime/dependencies';
import { readFunctionConfig } from '../../lambdas/runtime/function-config';
import { deadlinesEndingBetween } from '../../lambdas/core/expectations';
import { logicalName } from '../../lambdas/core/contracts';
import {
  CHECK_EXPECTED_FUNCTION_SUBSTITUTION,
  CHECK_EXPECTED_TIMEOUT_SECONDS,
  EXPECTED_OUTPUTS_ASL,
} from '../config/expected-outputs-definition';
import { ALERT_TOPIC_SUBSTITUTION, ENVIRONMENT_NAME_SUBSTITUTION } from '../config/workflow-definition';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  buildTaskBindings,
  type LocalHandler,
  type PublishedAlert,
  type PublishedEvent,
} from './task-bindings';

/** Deadlines one run checks per expectation at most: a clock moved years ahead checks the latest ones. */
export const LOCAL_MAX_DEADLINES = 100;

/** A clock a test can set; the embedded stack's deadlines are due by it. */
export class LocalClock {
  private current: Date;
  /** Where runDueChecks() last stopped; windows ending after it and up to now are due. */
  checkedUpTo: Date;

  constructor(start: Date = new Date()) {
    this.current = start;
    this.checkedUpTo = start;
  }

  now(): Date {
    return new Date(this.current.getTime());
  }

  /** Sets the time; set back, it starts over from there (no window ends twice). */
  set(to: Date): void {
    if (to.getTime() < this.checkedUpTo.getTime()) this.checkedUpTo = to;
    this.current = to;
  }

  advance(ms: number): void {
    this.set(new Date(this.current.getTime() + ms));
  }
}

export interface ExpectedRun {
  readonly input: Record<string, unknown>;
  readonly status: 'SUCCEEDED' | 'FAILED';
  readonly summary?: string;
  readonly error?: string;
}

export interface LocalExpectedOutputsOptions {
  readonly repoRoot: string;
  readonly environment: string;
  readonly alertTopicArn: string;
  readonly functionArn: string;
  readonly dynamodb: DynamoDBClient;
  readonly onAlert: (alert: PublishedAlert) => void;
  readonly onEvent: (event: PublishedEvent) => void;
  readonly wrapHandler?: (fn: string, handler: LocalHandler) => LocalHandler;
  readonly clock?: LocalClock;
}

export class LocalExpectedOutputs {
  readonly runs: ExpectedRun[] = [];

  private constructor(
    readonly clock: LocalClock,
    private readonly machine: StateMachine,
    private readonly bindings: Record<string, (input: unknown) => Promise<unknown>>,
    private readonly deps: FunctionDependencies,
  ) {}

  /** Binds the definition to the check-expected handler; the process environment is the stack's already. */
  static async create(options: LocalExpectedOutputsOptions): Promise<LocalExpectedOutputs> {
    const text = readFileSync(join(options.repoRoot, EXPECTED_OUTPUTS_ASL), 'utf8').replace(
      /\$\{(\w+)\}/g,
      (_whole, name: string) => {
        const value = {
          [CHECK_EXPECTED_FUNCTION_SUBSTITUTION]: options.functionArn,
          [ALERT_TOPIC_SUBSTITUTION]: options.alertTopicArn,
          [ENVIRONMENT_NAME_SUBSTITUTION]: options.environment,
        }[name];
        if (value === undefined)
          throw new Error(
            `${EXPECTED_OUTPUTS_ASL} uses \${${name}}, which the embedded stack does not provide`,
          );
        return value;
      },
    );
    const definition = JSON.parse(text) as { States: Record<string, never> };
    const mod = (await import('../../lambdas/check-expected/handler')) as { handler: LocalHandler };
    const handler = options.wrapHandler ? options.wrapHandler('check-expected', mod.handler) : mod.handler;
    const bindings = buildTaskBindings(definition, {
      handlers: new Map([[options.functionArn, handler]]),
      timeoutsMs: new Map([[options.functionArn, CHECK_EXPECTED_TIMEOUT_SECONDS * 1000]]),
      dynamodb: options.dynamodb,
      onAlert: options.onAlert,
      onEvent: options.onEvent,
    });
    return new LocalExpectedOutputs(
      options.clock ?? new LocalClock(),
      new StateMachine(definition as never, { validationOptions: { checkArn: false } }),
      bindings,
      new FunctionDependencies(readFunctionConfig(process.env)),
    );
  }

  private async run(input: Record<string, unknown>): Promise<ExpectedRun> {
    const name = randomUUID();
    const execution = this.machine.run(input as never, {
      overrides: { taskResourceLocalHandlers: this.bindings as never },
      context: { Execution: { Id: `local:expected-outputs:${name}`, Name: name } },
    });
    let run: ExpectedRun;
    try {
      const output = (await execution.result) as { check?: { summary?: string } } | undefined;
      run = {
        input,
        status: 'SUCCEEDED',
        ...(output?.check?.summary ? { summary: output.check.summary } : {}),
      };
    } catch (e) {
      const outer = e as Error & { cause?: unknown };
      const inner = outer.cause instanceof Error ? outer.cause : outer;
      run = { input, status: 'FAILED', error: `${inner.name}: ${inner.message}` };
    }
    this.runs.push(run);
    return run;
  }

  /**
   * Starts a check for every deadline whose window ended after the last run and by the clock
   * (oldest first, at most LOCAL_MAX_DEADLINES per expectation), then the sweep of relative waits
   * due by the clock; the machine does not wait the grace, the clock has passed it.
   */
  async runDueChecks(): Promise<ExpectedRun[]> {
    const now = this.clock.now();
    const from = this.clock.checkedUpTo;
    const { entries } = await this.deps.catalog.snapshot();
    const runs: ExpectedRun[] = [];
    for (const { contract } of entries) {
      for (const e of contract.expected ?? []) {
        if (e.kind !== 'schedule') continue;
        for (const deadline of deadlinesEndingBetween(e, from, now, LOCAL_MAX_DEADLINES))
          runs.push(
            await this.run({
              kind: 'deadline',
              output: logicalName(contract),
              index: e.index,
              deadline: deadline.toISOString(),
              waitSeconds: 0,
            }),
          );
      }
    }
    if (entries.some(({ contract }) => contract.expected?.some((e) => e.kind === 'after')))
      runs.push(await this.run({ kind: 'sweep', now: now.toISOString() }));
    this.clock.checkedUpTo = now;
    return runs;
  }

  /** An Output Tested event, as the deployed rule hands it over; nothing when no contract expects anything. */
  async onOutputTested(event: PublishedEvent): Promise<ExpectedRun | undefined> {
    if (event.detailType !== 'Output Tested') return undefined;
    const { entries } = await this.deps.catalog.snapshot();
    if (!entries.some(({ contract }) => (contract.expected?.length ?? 0) > 0)) return undefined;
    return this.run({ kind: 'arrival', detail: JSON.parse(event.detail) as unknown });
  }
}
