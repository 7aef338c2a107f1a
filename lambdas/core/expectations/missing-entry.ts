/**
 * The registry entry of an expected window no version came in. It is not an object version: its
 * partition is the output's expected windows (`EXP#pipeline/step/output`), its sort key the window
 * (`WIN#<index>#<deadline>`) or the run (`RUN#<runId>#<index>`), so a second check of the same window
 * finds the first entry (the registry's conditional put) and records nothing twice. It carries the
 * output index keys, so it is listed with the output's versions (`prt outputs --status missing`),
 * and the run index keys when it names a run; the registry keeps it out of "latest".
 */
import {
  expectationPk,
  outputIndexKey,
  runIndexKey,
  runSortKey,
  type RegistryEntry,
} from '../registry/output-registry';

export interface MissingWindow {
  readonly pipeline: string;
  readonly step: string;
  readonly output: string;
  /** Sort key of the window: windowSk or runSk. */
  readonly sk: string;
  readonly runId?: string;
  /** The expectation as written, for people. */
  readonly expectation: string;
  readonly windowStart: string;
  readonly expectedBy: string;
  readonly contractKey?: string;
}

export function windowSk(index: number, deadline: Date): string {
  return `WIN#${index}#${deadline.toISOString()}`;
}

export function runSk(runId: string, index: number): string {
  return `RUN#${runId}#${index}`;
}

/** The `missing` entry of a window, written by `writer` (the check's execution) at `checkedAt`. */
export function missingEntry(window: MissingWindow, checkedAt: Date, writer: string): RegistryEntry {
  const name = `${window.pipeline}/${window.step}/${window.output}`;
  const pk = expectationPk(window.pipeline, window.step, window.output);
  const uri = `expected://${name}/${window.sk}`;
  const registeredAt = checkedAt.toISOString();
  return {
    pk,
    sk: window.sk,
    uri,
    bucket: '',
    key: '',
    versionId: null,
    etag: '',
    size: 0,
    status: 'missing',
    dataType: 'pipeline',
    registeredAt,
    eventTime: window.expectedBy,
    pipeline: window.pipeline,
    step: window.step,
    output: window.output,
    ...(window.contractKey !== undefined ? { contractKey: window.contractKey } : {}),
    expectation: window.expectation,
    windowStart: window.windowStart,
    expectedBy: window.expectedBy,
    note: `no version arrived between ${window.windowStart} and ${window.expectedBy} (${window.expectation})`,
    registeredBy: writer,
    gsi1pk: outputIndexKey(window.pipeline, window.step, window.output),
    gsi1sk: `${registeredAt}#${uri}#${window.sk}`,
    ...(window.runId !== undefined
      ? {
          runId: window.runId,
          gsi2pk: runIndexKey(window.pipeline, window.runId),
          gsi2sk: runSortKey(window.step, window.output, uri, window.sk),
        }
      : {}),
  };
}
