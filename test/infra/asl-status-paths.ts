/**
 * Static checks of the output-testing ASL that the architecture promises: every Task retries and
 * catches, a caught error is recorded in the registry, and no execution ends without a registry
 * status except the documented no-op ends. Written as a graph walk over the definition so it checks
 * every path, not only the ones a scenario test happens to drive.
 */

/** A Choice rule: its comparison fields are irrelevant to the walk, only where it leads. */
export interface AslChoice {
  readonly Next: string;
  readonly [field: string]: unknown;
}

export interface AslState {
  readonly Type: string;
  readonly Resource?: string;
  readonly Next?: string;
  readonly End?: boolean;
  readonly Default?: string;
  readonly Choices?: readonly AslChoice[];
  readonly Catch?: readonly { readonly ErrorEquals: readonly string[]; readonly Next: string }[];
  readonly Retry?: readonly { readonly ErrorEquals: readonly string[] }[];
  readonly Parameters?: Record<string, unknown>;
}

export interface AslDefinition {
  readonly StartAt: string;
  readonly States: Readonly<Record<string, AslState>>;
}

const UPDATE_ITEM = 'arn:aws:states:::dynamodb:updateItem';
const SNS_PUBLISH = 'arn:aws:states:::sns:publish';
const EVENTS_PUT = 'arn:aws:states:::events:putEvents';
const PUT_METRIC_DATA = 'arn:aws:states:::aws-sdk:cloudwatch:putMetricData';
const LAMBDA_INVOKE = 'arn:aws:states:::lambda:invoke';

/** A Task that writes the registry item's `status` attribute. */
export function isStatusRecord(state: AslState): boolean {
  if (state.Type !== 'Task' || state.Resource !== UPDATE_ITEM) return false;
  const update = state.Parameters?.['UpdateExpression'];
  const expression = typeof update === 'string' ? update : '';
  const names = (state.Parameters?.['ExpressionAttributeNames'] ?? {}) as Record<string, string>;
  const statusTokens = ['status', ...Object.keys(names).filter((k) => names[k] === 'status')];
  return statusTokens.some((token) =>
    new RegExp(`(^|[\\s,])${token}\\s*=`).test(expression.replace(/^SET\s+/i, ' ')),
  );
}

export function isAlert(state: AslState): boolean {
  return state.Type === 'Task' && state.Resource === SNS_PUBLISH;
}

/** A Task that publishes the Output Tested event: reporting, like an alert. */
export function isEventPublication(state: AslState): boolean {
  return state.Type === 'Task' && state.Resource === EVENTS_PUT;
}

/** A Task that counts an outcome in CloudWatch: reporting, like an alert. */
export function isMetricPublication(state: AslState): boolean {
  return state.Type === 'Task' && state.Resource === PUT_METRIC_DATA;
}

/**
 * A Task that writes the results dataset's rows of a test that ended in error (the validate
 * function's `ended` mode), after RecordError: reporting what the registry holds, like an alert.
 */
export function isResultsRecord(state: AslState): boolean {
  const payload = state.Parameters?.['Payload'] as Record<string, unknown> | undefined;
  return state.Type === 'Task' && state.Resource === LAMBDA_INVOKE && payload?.['mode'] === 'ended';
}

function isTerminal(state: AslState): boolean {
  return state.Type === 'Succeed' || state.Type === 'Fail' || state.End === true;
}

type Edge = { readonly to: string; readonly kind: 'next' | 'choice' | 'catch' };

function edgesOf(state: AslState): Edge[] {
  const edges: Edge[] = [];
  if (state.Next) edges.push({ to: state.Next, kind: 'next' });
  for (const choice of state.Choices ?? []) edges.push({ to: choice.Next, kind: 'choice' });
  if (state.Default) edges.push({ to: state.Default, kind: 'choice' });
  for (const c of state.Catch ?? []) edges.push({ to: c.Next, kind: 'catch' });
  return edges;
}

/**
 * DynamoDB service-integration tasks whose Retry blocks miss one of the given error names, with the
 * names they miss ("State: A, B").
 */
export function dynamoTasksNotRetrying(definition: AslDefinition, names: readonly string[]): string[] {
  return Object.entries(definition.States)
    .filter(([, s]) => s.Type === 'Task' && String(s.Resource).startsWith('arn:aws:states:::dynamodb:'))
    .map(([name, s]) => {
      const retried = new Set((s.Retry ?? []).flatMap((r) => r.ErrorEquals));
      return { name, missing: names.filter((n) => !retried.has(n)) };
    })
    .filter(({ missing }) => missing.length > 0)
    .map(({ name, missing }) => `${name}: ${missing.join(', ')}`);
}

/** Task states without a Retry, or without a Catch for States.ALL. */
export function tasksMissingRetryOrCatch(definition: AslDefinition): string[] {
  return Object.entries(definition.States)
    .filter(([, s]) => s.Type === 'Task')
    .filter(([, s]) => !s.Retry?.length || !s.Catch?.some((c) => c.ErrorEquals.includes('States.ALL')))
    .map(([name]) => name);
}

/**
 * Catch edges that skip the registry: a caught error must go to a status-recording state. The one
 * exception is a reporting state (a status record, an alert, an event, a metric or the results rows
 * of an ended test) whose own failure falls through to
 * its Next: the outcome is already decided, and retrying the report elsewhere would loop.
 */
/**
 * Whether a state is a status record, or only routes to one: Pass and Choice states (the error
 * classification before RecordError) whose every way on reaches a status record.
 */
function reachesStatusRecord(definition: AslDefinition, name: string, seen = new Set<string>()): boolean {
  const state = definition.States[name];
  if (!state || seen.has(name)) return false;
  if (isStatusRecord(state)) return true;
  seen.add(name);
  const next =
    state.Type === 'Pass'
      ? [state.Next]
      : state.Type === 'Choice'
        ? [...(state.Choices ?? []).map((c) => c.Next), state.Default]
        : [undefined];
  return next.every((n) => n !== undefined && reachesStatusRecord(definition, n, seen));
}

export function catchesThatSkipTheRegistry(definition: AslDefinition): string[] {
  const violations: string[] = [];
  for (const [name, state] of Object.entries(definition.States)) {
    for (const c of state.Catch ?? []) {
      if (reachesStatusRecord(definition, c.Next)) continue;
      const reports =
        isAlert(state) || isEventPublication(state) || isMetricPublication(state) || isResultsRecord(state);
      if ((isStatusRecord(state) || reports) && c.Next === state.Next) continue;
      violations.push(`${name} -> ${c.Next}`);
    }
  }
  return violations;
}

export interface PathFinding {
  /** Paths that end without entering a status-recording state, outside the allowed ends. */
  readonly unrecorded: readonly string[][];
  /** Paths that end in a Fail state without entering an alert state. */
  readonly unalertedFailures: readonly string[][];
  /** States no path reaches. */
  readonly unreachable: readonly string[];
}

/**
 * Walks every path from StartAt (Next, Choice and Catch edges) to a terminal state, noting whether
 * it entered a status record and an alert on the way. A path that loops back to a state it already
 * visited is cut there (a loop cannot end an execution without passing the loop's exit).
 */
export function walkPaths(definition: AslDefinition, allowedUnrecordedEnds: readonly string[]): PathFinding {
  const unrecorded: string[][] = [];
  const unalertedFailures: string[][] = [];
  const reached = new Set<string>();

  const visit = (name: string, path: readonly string[], recorded: boolean, alerted: boolean): void => {
    const state = definition.States[name];
    if (!state) throw new Error(`state ${name} does not exist (from ${path.join(' -> ')})`);
    if (path.includes(name)) return;
    reached.add(name);
    const here = [...path, name];
    const nowRecorded = recorded || isStatusRecord(state);
    const nowAlerted = alerted || isAlert(state);
    if (isTerminal(state)) {
      if (!nowRecorded && !allowedUnrecordedEnds.includes(name)) unrecorded.push(here);
      if (state.Type === 'Fail' && !nowAlerted) unalertedFailures.push(here);
    }
    for (const edge of edgesOf(state)) visit(edge.to, here, nowRecorded, nowAlerted);
  };

  visit(definition.StartAt, [], false, false);
  const unreachable = Object.keys(definition.States).filter((name) => !reached.has(name));
  return { unrecorded, unalertedFailures, unreachable };
}
