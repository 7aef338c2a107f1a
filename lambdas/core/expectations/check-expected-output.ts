/**
 * The checks of expected outputs, for the expected-outputs state machine
 * (statemachines/expected-outputs.asl.json) and the embedded stack's clock:
 *
 * - `deadline`: a schedule's deadline passed its grace. When no version arrived in its window, the
 *   registry records a `missing` entry for the window (once: a second check of the same window finds
 *   it and changes nothing) and a notice goes back for the alert and the `Output Missing` event.
 * - `sweep`: pending relative expectations that are due are checked the same way, for their run.
 * - `arrival`: an `Output Tested` event. A version that arrived after a window it was due in closes
 *   that window's `missing` entry as `late` (notice: `Output Late`); a version that is an input
 *   another contract expects a version "within T after" starts that wait (a pending item).
 *
 * A check that cannot decide (a contract it cannot find, more versions than it may look at) throws:
 * a processing error is retried and alerted as such, never recorded as a missing output.
 */
import type { OutputContract } from '../contracts/output-contract';
import { logicalName, qualifiedName } from '../contracts/output-contract';
import { parseOutputName } from '../registry/output-name';
import {
  expectationPk,
  isExpectationEntry,
  objectPk,
  versionTokenOf,
  type OutputRegistry,
  type RegistryEntry,
} from '../registry/output-registry';
import { NotRegisteredError } from '../registry/registry-errors';
import { ExpectationScanError, ScheduledExpectationError } from './expectation-errors';
import type { ExpectationLedger, PendingExpectation } from './expectation-ledger';
import type { Expectation, RelativeExpectation, ScheduledExpectation } from './expectation-types';
import { windowLateAt, windowOf, type ExpectedWindow } from './expectation-window';
import { missingEntry, runSk, windowSk, type MissingWindow } from './missing-entry';

/** Versions looked at per page, and pages at most, when a window's versions are scanned. */
export const SCAN_PAGE = 100;
export const SCAN_MAX_PAGES = 20;
/** Pending relative expectations one sweep checks; the next sweep takes the rest. */
export const SWEEP_LIMIT = 100;

export type NoticeStatus = 'missing' | 'late';

/** What the state machine publishes for one window: an SNS alert and an EventBridge event. */
export interface ExpectedNotice {
  readonly detailType: 'Output Missing' | 'Output Late';
  readonly subject: string;
  readonly message: string;
  /** Message attributes, as the other alerts carry them (environment is the state machine's). */
  readonly pipeline: string;
  readonly output: string;
  readonly status: NoticeStatus;
  readonly severity: 'error' | 'warning';
  readonly detail: {
    readonly schemaVersion: '1';
    readonly status: NoticeStatus;
    readonly output: {
      readonly pipeline: string;
      readonly step: string;
      readonly output: string;
      readonly runId: string | null;
    };
    readonly expectation: string;
    readonly windowStart: string;
    readonly expectedBy: string;
    readonly arrivedAt: string | null;
    readonly arrivalUri: string | null;
    readonly registry: { readonly pk: string; readonly sk: string };
  };
}

export interface ExpectedResult {
  readonly notices: readonly ExpectedNotice[];
  /** One line of what was checked and found, for the execution's output and the log. */
  readonly summary: string;
}

/** What the contracts are: the catalog's snapshot (entries with their keys). */
export interface ContractSource {
  snapshot(): Promise<{
    readonly entries: readonly { readonly key: string; readonly contract: OutputContract }[];
  }>;
}

export interface ExpectedDeps {
  readonly catalog: ContractSource;
  readonly registry: OutputRegistry;
  readonly ledger: ExpectationLedger;
  readonly now: () => Date;
}

/** The Output Tested event's detail, as far as the checks read it. */
export interface TestedVersion {
  readonly uri: string;
  readonly version: string;
  readonly output: {
    readonly pipeline: string;
    readonly step: string;
    readonly output: string;
    readonly runId?: string | null;
  };
}

export type ExpectedRequest =
  | { readonly kind: 'deadline'; readonly output: string; readonly index: number; readonly deadline: string }
  | { readonly kind: 'sweep'; readonly now: string }
  | { readonly kind: 'arrival'; readonly detail: TestedVersion };

/** `cron(0 6 * * ? *) + 30m grace` / `after ingestion/raw_orders within 2h`. */
export function expectationText(e: Expectation): string {
  return e.kind === 'schedule'
    ? `${e.schedule.text}${e.graceSeconds > 0 ? ` + ${e.graceText} grace` : ''}`
    : `after ${e.input} within ${e.withinText}`;
}

function noticeOf(entry: RegistryEntry, status: NoticeStatus): ExpectedNotice {
  const name = `${entry.pipeline}/${entry.step}/${entry.output}`;
  const run = entry.runId !== undefined ? ` (run ${entry.runId})` : '';
  const subject = status === 'missing' ? `prt: ${name} missing${run}` : `prt: ${name} arrived late${run}`;
  const message =
    status === 'missing'
      ? `No version of ${name}${run} arrived between ${entry.windowStart} and ${entry.expectedBy} (expected: ${entry.expectation}). Check the step that writes it; a version that still comes closes this as late.`
      : `A version of ${name}${run} expected by ${entry.expectedBy} arrived at ${entry.arrivedAt}: ${entry.arrivalUri} (${entry.arrivalVersion}). The missing window is closed as late.`;
  return {
    detailType: status === 'missing' ? 'Output Missing' : 'Output Late',
    // SNS subjects stop at 100 characters.
    subject: subject.length > 100 ? `${subject.slice(0, 99)}…` : subject,
    message,
    pipeline: entry.pipeline!,
    output: name,
    status,
    severity: status === 'missing' ? 'error' : 'warning',
    detail: {
      schemaVersion: '1',
      status,
      output: {
        pipeline: entry.pipeline!,
        step: entry.step!,
        output: entry.output!,
        runId: entry.runId ?? null,
      },
      expectation: entry.expectation ?? '',
      windowStart: entry.windowStart ?? '',
      expectedBy: entry.expectedBy ?? '',
      arrivedAt: entry.arrivedAt ?? null,
      arrivalUri: entry.arrivalUri ?? null,
      registry: { pk: entry.pk, sk: entry.sk },
    },
  };
}

async function contractOf(
  catalog: ContractSource,
  output: string,
): Promise<{ key: string; contract: OutputContract } | undefined> {
  const { entries } = await catalog.snapshot();
  return entries.find((e) => logicalName(e.contract) === output);
}

/**
 * The first version of the output registered in the window, or undefined. The output's index is
 * read newest first, at most SCAN_MAX_PAGES pages; `skip` leaves out the version that closed the
 * previous window as late (it arrived in this window's time, but was that window's version).
 */
async function versionIn(
  registry: OutputRegistry,
  name: { pipeline: string; step: string; output: string },
  window: { readonly start: Date; readonly end: Date },
  skip?: (e: RegistryEntry) => boolean,
): Promise<RegistryEntry | undefined> {
  let cursor: string | undefined;
  for (let page = 0; page < SCAN_MAX_PAGES; page++) {
    const result = await registry.versions(name, { limit: SCAN_PAGE, ...(cursor ? { cursor } : {}) });
    for (const e of result.items) {
      const at = Date.parse(e.registeredAt);
      if (at <= window.start.getTime()) return undefined;
      if (at > window.end.getTime() || isExpectationEntry(e) || skip?.(e)) continue;
      return e;
    }
    cursor = result.cursor;
    if (cursor === undefined) return undefined;
  }
  throw new ExpectationScanError(
    `${name.pipeline}/${name.step}/${name.output} has more than ${SCAN_PAGE * SCAN_MAX_PAGES} versions registered after ${window.start.toISOString()}; the window was not decided`,
  );
}

/** Records the window as missing, once; the notice only when this call recorded it. */
async function recordMissing(
  registry: OutputRegistry,
  window: MissingWindow,
  checkedAt: Date,
  writer: string,
): Promise<{ created: boolean; entry: RegistryEntry }> {
  return registry.register(missingEntry(window, checkedAt, writer));
}

/**
 * The check at a deadline of a scheduled expectation: a version in the window, or a `missing` entry
 * (recorded once) and its notice.
 */
export async function checkExpectedOutput(
  target: {
    readonly contract: OutputContract;
    readonly contractKey: string;
    readonly expectation: ScheduledExpectation;
  },
  window: ExpectedWindow,
  deps: Pick<ExpectedDeps, 'registry'> & { readonly now: Date; readonly writer: string },
): Promise<{
  readonly outcome: 'arrived' | 'missing' | 'already-recorded';
  readonly notice?: ExpectedNotice;
  readonly version?: RegistryEntry;
}> {
  const { contract, expectation } = target;
  const name = { pipeline: contract.pipeline, step: contract.step, output: contract.output };
  const pk = expectationPk(contract.pipeline, contract.step, contract.output);
  const previousDeadline = new Date(window.start.getTime() - expectation.graceSeconds * 1000);
  const previous = await deps.registry.get(pk, windowSk(expectation.index, previousDeadline));
  const closedPrevious = (e: RegistryEntry): boolean =>
    previous?.status === 'late' &&
    previous.arrivalUri === e.uri &&
    previous.arrivalVersion === versionTokenOf(e);
  const version = await versionIn(deps.registry, name, window, closedPrevious);
  if (version) return { outcome: 'arrived', version };
  const { created, entry } = await recordMissing(
    deps.registry,
    {
      ...name,
      sk: windowSk(expectation.index, window.deadline),
      expectation: expectationText(expectation),
      windowStart: window.start.toISOString(),
      expectedBy: window.end.toISOString(),
      contractKey: target.contractKey,
    },
    deps.now,
    deps.writer,
  );
  return created
    ? { outcome: 'missing', notice: noticeOf(entry, 'missing') }
    : { outcome: 'already-recorded' };
}

async function onDeadline(
  request: Extract<ExpectedRequest, { kind: 'deadline' }>,
  deps: ExpectedDeps,
  writer: string,
): Promise<ExpectedResult> {
  const found = await contractOf(deps.catalog, request.output);
  const expectation = found?.contract.expected?.[request.index];
  if (!found || expectation?.kind !== 'schedule')
    throw new ScheduledExpectationError(
      `${request.output} has no scheduled expectation at expected[${request.index}]; the schedules were deployed from other contracts: deploy again`,
    );
  const deadline = new Date(request.deadline);
  if (Number.isNaN(deadline.getTime()))
    throw new ScheduledExpectationError(`deadline '${request.deadline}' is not an ISO 8601 time`);
  const window = windowOf(expectation, deadline);
  const now = deps.now();
  if (now.getTime() < window.end.getTime())
    throw new ScheduledExpectationError(
      `the window of ${request.output} ends at ${window.end.toISOString()}, after now (${now.toISOString()}): it cannot be checked yet`,
    );
  const result = await checkExpectedOutput(
    { contract: found.contract, contractKey: found.key, expectation },
    window,
    { registry: deps.registry, now, writer },
  );
  const what = `${request.output} by ${window.end.toISOString()}`;
  return {
    notices: result.notice ? [result.notice] : [],
    summary:
      result.outcome === 'arrived'
        ? `${what}: arrived (${result.version!.uri})`
        : result.outcome === 'missing'
          ? `${what}: missing, recorded`
          : `${what}: missing, already recorded`,
  };
}

async function checkPending(
  pending: PendingExpectation,
  deps: ExpectedDeps,
  now: Date,
  writer: string,
): Promise<ExpectedNotice[]> {
  const name = parseOutputName(pending.output);
  const arrived = (await deps.registry.runObjects(name, pending.runId))
    .filter((e) => !isExpectationEntry(e))
    .sort((a, b) => a.registeredAt.localeCompare(b.registeredAt));
  const first = arrived[0];
  const notices: ExpectedNotice[] = [];
  if (!first || first.registeredAt > pending.dueAt) {
    const { created, entry } = await recordMissing(
      deps.registry,
      {
        ...name,
        sk: runSk(pending.runId, pending.index),
        runId: pending.runId,
        expectation: pending.expectation,
        windowStart: pending.inputArrivedAt,
        expectedBy: pending.dueAt,
      },
      now,
      writer,
    );
    if (created) notices.push(noticeOf(entry, 'missing'));
    // The version came between the deadline and this sweep: late already.
    if (first) {
      const late = await closeLate(deps.registry, entry, first);
      if (late) notices.push(late);
    }
  }
  await deps.ledger.remove(pending);
  return notices;
}

async function onSweep(
  request: Extract<ExpectedRequest, { kind: 'sweep' }>,
  deps: ExpectedDeps,
  writer: string,
): Promise<ExpectedResult> {
  const now = new Date(request.now);
  if (Number.isNaN(now.getTime()))
    throw new ScheduledExpectationError(`now '${request.now}' is not an ISO 8601 time`);
  const due = await deps.ledger.due(now, SWEEP_LIMIT);
  const notices: ExpectedNotice[] = [];
  for (const pending of due) notices.push(...(await checkPending(pending, deps, now, writer)));
  return {
    notices,
    summary: `${due.length} pending expectation(s) due by ${now.toISOString()}${due.length === SWEEP_LIMIT ? ' (the limit; the next sweep takes the rest)' : ''}: ${notices.filter((n) => n.status === 'missing').length} missing`,
  };
}

/** Closes a missing entry as late by `version`; the notice when this call closed it. */
async function closeLate(
  registry: OutputRegistry,
  missing: RegistryEntry,
  version: RegistryEntry,
): Promise<ExpectedNotice | undefined> {
  if (missing.status !== 'missing') return undefined;
  const { changed, entry } = await registry.transition(missing, 'late', {
    arrivedAt: version.registeredAt,
    arrivalUri: version.uri,
    arrivalVersion: versionTokenOf(version),
    summary: `arrived at ${version.registeredAt}, after ${missing.expectedBy ?? 'its window'}`,
  });
  return changed ? noticeOf(entry, 'late') : undefined;
}

async function onArrival(
  request: Extract<ExpectedRequest, { kind: 'arrival' }>,
  deps: ExpectedDeps,
): Promise<ExpectedResult> {
  const { detail } = request;
  const version = await deps.registry.get(objectPk(detail.uri), detail.version);
  if (!version)
    throw new NotRegisteredError(
      `${detail.uri} (${detail.version}) is not registered; an Output Tested event names a registered version`,
    );
  const name = `${detail.output.pipeline}/${detail.output.step}/${detail.output.output}`;
  if (version.dataType === 'canary')
    return { notices: [], summary: `${name}: a canary output, no expectation applies` };
  const arrivedAt = new Date(version.registeredAt);
  const runId = detail.output.runId ?? undefined;
  const { entries } = await deps.catalog.snapshot();
  const notices: ExpectedNotice[] = [];
  const lines: string[] = [];

  const own = entries.find((e) => logicalName(e.contract) === name)?.contract;
  const pk = expectationPk(detail.output.pipeline, detail.output.step, detail.output.output);
  for (const e of own?.expected ?? []) {
    let sk: string | undefined;
    if (e.kind === 'schedule') {
      const window = windowLateAt(e, arrivedAt);
      if (window) sk = windowSk(e.index, window.deadline);
    } else if (runId !== undefined) {
      sk = runSk(runId, e.index);
      // In time or late, this run's wait is over.
      await deps.ledger.remove({ output: name, runId, index: e.index });
    }
    const missing = sk === undefined ? undefined : await deps.registry.get(pk, sk);
    const late = missing ? await closeLate(deps.registry, missing, version) : undefined;
    if (late) {
      notices.push(late);
      lines.push(`${name}: closed ${missing!.sk} as late`);
    }
  }

  // Contracts that expect their own output within a time after this one arrived.
  for (const { contract } of entries) {
    for (const e of (contract.expected ?? []).filter((x): x is RelativeExpectation => x.kind === 'after')) {
      if (qualifiedName(contract.pipeline, e.input) !== name) continue;
      const consumer = logicalName(contract);
      if (runId === undefined) {
        lines.push(
          `${consumer} waits for ${name} of the same run, but this version names no run: not started`,
        );
        continue;
      }
      const dueAt = new Date(arrivedAt.getTime() + e.withinSeconds * 1000).toISOString();
      const { created } = await deps.ledger.add({
        output: consumer,
        runId,
        index: e.index,
        expectation: expectationText(e),
        inputArrivedAt: version.registeredAt,
        dueAt,
        inputUri: detail.uri,
      });
      lines.push(`${consumer} run ${runId} due by ${dueAt}${created ? '' : ' (already waiting)'}`);
    }
  }
  return { notices, summary: lines.length > 0 ? lines.join('; ') : `${name}: no expectation involved` };
}

/** Runs one request of the expected-outputs state machine; `writer` names the execution. */
export async function runExpectedCheck(
  request: ExpectedRequest,
  deps: ExpectedDeps,
  writer: string,
): Promise<ExpectedResult> {
  switch (request.kind) {
    case 'deadline':
      return onDeadline(request, deps, writer);
    case 'sweep':
      return onSweep(request, deps, writer);
    case 'arrival':
      return onArrival(request, deps);
  }
}
