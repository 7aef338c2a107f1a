/**
 * The check-expected function's input, as the expected-outputs state machine passes it:
 * `{ request: { kind: 'deadline' | 'sweep' | 'arrival', ... }, execution }`. A malformed input is a
 * disagreement between the definition (or a schedule's input) and the handler, which no retry
 * fixes: an InvalidInputError naming the field.
 */
import { InvalidInputError } from '../core/errors';
import type { ExpectedRequest } from '../core/expectations';

function text(value: unknown, field: string): string {
  if (typeof value !== 'string' || value === '')
    throw new InvalidInputError(`${field} must be a non-empty string; got ${JSON.stringify(value)}`);
  return value;
}

export function requireExpectedRequest(event: unknown): { request: ExpectedRequest; execution: string } {
  const e = event as { request?: Record<string, unknown>; execution?: unknown } | null;
  const r = e?.request;
  if (typeof r !== 'object' || r === null) throw new InvalidInputError('request must be an object');
  const execution = text(e?.execution, 'execution');
  switch (r.kind) {
    case 'deadline': {
      const index = r.index;
      if (typeof index !== 'number' || !Number.isInteger(index) || index < 0)
        throw new InvalidInputError(`request.index must be a whole number; got ${JSON.stringify(index)}`);
      return {
        request: {
          kind: 'deadline',
          output: text(r.output, 'request.output'),
          index,
          deadline: text(r.deadline, 'request.deadline'),
        },
        execution,
      };
    }
    case 'sweep':
      return { request: { kind: 'sweep', now: text(r.now, 'request.now') }, execution };
    case 'arrival': {
      const d = r.detail as
        { uri?: unknown; version?: unknown; output?: Record<string, unknown> | null } | undefined;
      const o = d?.output;
      if (typeof o !== 'object' || o === null)
        throw new InvalidInputError('request.detail.output must be an object');
      const runId = o.runId;
      return {
        request: {
          kind: 'arrival',
          detail: {
            uri: text(d?.uri, 'request.detail.uri'),
            version: text(d?.version, 'request.detail.version'),
            output: {
              pipeline: text(o.pipeline, 'request.detail.output.pipeline'),
              step: text(o.step, 'request.detail.output.step'),
              output: text(o.output, 'request.detail.output.output'),
              runId: typeof runId === 'string' && runId !== '' ? runId : null,
            },
          },
        },
        execution,
      };
    }
    default:
      throw new InvalidInputError(
        `request.kind must be deadline, sweep or arrival, not ${JSON.stringify(r.kind)}`,
      );
  }
}
