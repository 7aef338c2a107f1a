/**
 * The state machine writes test statuses itself (DynamoDB service integration), so its UpdateItem
 * conditions must encode the same forward-only rules as lambdas/core/registry/status-transitions.ts,
 * the one place those rules are written. This finds every status record of the ASL file (an
 * updateItem that sets `status`, at any depth), works out which statuses it can write (a literal,
 * or the values the path it writes can hold on the way in), evaluates its ConditionExpression for
 * every current status, and compares the outcome with canTransition. (The unit tier's
 * test/unit/core/registry/asl-status-conditions.test.ts checks the same three records by name, with
 * what else they write.)
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

import {
  TEST_STATUSES,
  canTransition,
  isTestStatus,
  type TestStatus,
} from '../../lambdas/core/registry/status-transitions';
import type { ValidationStatus } from '../../lambdas/core/validation/validation-report';
import { conditionAllows, type UpdateParameters } from '../fixtures/asl-conditions';
import { projectPath } from '../../lib/config/project-paths';
import { OUTPUT_TESTING_ASL } from '../../lib/config/workflow-definition';
import { isStatusRecord, type AslState } from './asl-status-paths';

interface NestedState extends Omit<AslState, 'Parameters'> {
  readonly Parameters?: UpdateParameters;
  readonly Result?: Record<string, unknown>;
  readonly ResultPath?: string | null;
  readonly Iterator?: { readonly States: Record<string, NestedState> };
  readonly ItemProcessor?: { readonly States: Record<string, NestedState> };
  readonly Branches?: readonly { readonly States: Record<string, NestedState> }[];
}

const DEFINITION = JSON.parse(readFileSync(projectPath(OUTPUT_TESTING_ASL), 'utf8')) as {
  States: Record<string, NestedState>;
};
const STATES = DEFINITION.States;

/** Every state of the definition, those inside Map iterators and Parallel branches included. */
function allStates(states: Record<string, NestedState>): [string, NestedState][] {
  return Object.entries(states).flatMap(([name, state]): [string, NestedState][] => [
    [name, state],
    ...allStates(state.Iterator?.States ?? {}),
    ...allStates(state.ItemProcessor?.States ?? {}),
    ...(state.Branches ?? []).flatMap((b) => allStates(b.States)),
  ]);
}

const EVERY_STATE = allStates(STATES);

/** Every verdict the Validate step reports (the compiler checks the list is complete). */
const VERDICTS = ['passed', 'warned', 'failed'] as const satisfies readonly ValidationStatus[];
const VERDICTS_COMPLETE: Exclude<ValidationStatus, (typeof VERDICTS)[number]> extends never ? true : false =
  true;

/**
 * Status records that may create the item: an execution can fail before Register wrote it, and its
 * error must still be recorded.
 */
const CREATES_ITEM = new Set(['RecordError']);

function parameters(state: string): UpdateParameters {
  const p = STATES[state]?.Parameters;
  if (!p) throw new Error(`the ASL has no ${state} Parameters`);
  return p;
}

/**
 * The statuses a status record can write: its literal `:status`, or the values of the path it
 * writes: a Pass state's Result leading into it, or the Validate verdict the Choice states let
 * through to it.
 */
function writtenStatuses(name: string, p: UpdateParameters): TestStatus[] {
  const value = p.ExpressionAttributeValues[':status'];
  if (!value) throw new Error(`${name} sets #status from something other than :status`);
  const literal = value['S'];
  const path = value['S.$'];
  const candidates: unknown[] = [];
  if (literal !== undefined) candidates.push(literal);
  else if (path === '$.validation.status') {
    // A verdict reaches the record unless a Choice on the verdict routes it to another state.
    const routedAway = (verdict: string) =>
      EVERY_STATE.some(([, s]) =>
        (s.Choices ?? []).some(
          (c) => c['Variable'] === path && c['StringEquals'] === verdict && c.Next !== name,
        ),
      );
    candidates.push(...VERDICTS.filter((v) => !routedAway(v)));
  } else if (path !== undefined) {
    for (const [, s] of EVERY_STATE) {
      if (s.Type !== 'Pass' || s.Next !== name || !s.ResultPath || !path.startsWith(`${s.ResultPath}.`))
        continue;
      candidates.push(s.Result?.[path.slice(s.ResultPath.length + 1)]);
    }
  }
  if (candidates.length === 0) throw new Error(`cannot tell which statuses ${name} writes (${path})`);
  return candidates.map((c) => {
    if (!isTestStatus(c)) throw new Error(`${name} writes '${String(c)}', which is not a test status`);
    return c;
  });
}

/**
 * Where a status record's condition and canTransition disagree, in words; empty when they agree.
 * Besides the moves canTransition allows, a record admits a repeat of its own status (a retried
 * write) and, for CREATES_ITEM, an item that does not exist yet.
 */
function disagreements(name: string, p: UpdateParameters): string[] {
  const found: string[] = [];
  for (const writing of writtenStatuses(name, p)) {
    for (const current of ['absent', ...TEST_STATUSES] as const) {
      const expected =
        current === 'absent'
          ? CREATES_ITEM.has(name)
          : current === writing || canTransition(current, writing);
      const admitted = conditionAllows(p, current, writing);
      if (admitted && !expected) found.push(`${name} writes ${writing} over ${current}`);
      if (!admitted && expected) found.push(`${name} cannot write ${writing} over ${current}`);
    }
  }
  return found;
}

const STATUS_RECORDS = EVERY_STATE.flatMap(([name, s]): [string, UpdateParameters][] =>
  isStatusRecord(s) && s.Parameters ? [[name, s.Parameters]] : [],
);

describe('status records of the output-testing ASL against status-transitions.ts', () => {
  it('finds the status records, and the verdict list is complete', () => {
    // Act
    const names = STATUS_RECORDS.map(([name]) => name).sort();

    // Assess
    expect(names).toEqual(['RecordError', 'RecordResult', 'RecordValidationFailure']);
    expect(VERDICTS_COMPLETE).toBe(true);
  });

  it.each(STATUS_RECORDS)(
    '%s admits exactly the transitions canTransition allows for what it writes',
    (name, p) => {
      // Act
      const found = disagreements(name, p);

      // Assess
      expect(found).toEqual([]);
    },
  );

  it('tells what each status record writes', () => {
    // Act
    const written = Object.fromEntries(
      STATUS_RECORDS.map(([name, p]) => [name, writtenStatuses(name, p).sort()]),
    );

    // Assess
    expect(written).toEqual({
      RecordValidationFailure: ['failed'],
      RecordResult: ['passed', 'warned'],
      RecordError: ['error', 'failed'],
    });
  });

  it('would catch a condition that lets a failed version become passed', () => {
    // Prepare: RecordResult as it would be if its condition also admitted a failed item.
    const p = parameters('RecordResult');
    const loosened: UpdateParameters = {
      ...p,
      ConditionExpression: `${p.ConditionExpression ?? ''} OR #status = :failed`,
      ExpressionAttributeValues: { ...p.ExpressionAttributeValues, ':failed': { S: 'failed' } },
    };

    // Act
    const found = disagreements('RecordResult', loosened);

    // Assess
    expect(found).toEqual([
      'RecordResult writes passed over failed',
      'RecordResult writes warned over failed',
    ]);
  });

  it('would catch a status record without a condition', () => {
    // Prepare
    const { ConditionExpression: _dropped, ...unguarded } = parameters('RecordValidationFailure');

    // Act
    const found = disagreements('RecordValidationFailure', unguarded);

    // Assess
    expect(found).toContain('RecordValidationFailure writes failed over passed');
    expect(found).toContain('RecordValidationFailure writes failed over absent');
  });
});
