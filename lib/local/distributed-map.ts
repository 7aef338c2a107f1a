/**
 * Distributed Map states, made runnable by the local interpreter. aws-local-stepfunctions runs a
 * DISTRIBUTED map inline over an array (ItemsPath) but has no ItemReader, ResultWriter or tolerated
 * failures (ENVIRONMENT.md). So, in the embedded stack's copy of the definition only:
 *
 * - an S3 ItemReader becomes a Task state of its own, `<Map>ItemReader`, placed in front of the
 *   map, with the reader's resource and parameters; the embedded stack binds it against the local
 *   S3 server (lib/local/task-bindings.ts) and the map iterates over its items through ItemsPath.
 *   A ListObjectsV2 reader lists every page, returning the items the service would (Key, Size,
 *   Etag, LastModified, StorageClass); a GetObject reader of a JSON array (`InputType: JSON`, the
 *   partitioned branch's manifest) reads the object and returns the array;
 * - the ResultWriter is dropped (results stay in memory; the workflow discards them anyway);
 * - tolerated failures are dropped: locally one failed item fails the map, the strict reading.
 *
 * Everything else (ItemSelector, ItemProcessor, MaxConcurrencyPath, Retry/Catch) is the deployed
 * definition unchanged.
 */

export const LIST_OBJECTS_RESOURCE = 'arn:aws:states:::s3:listObjectsV2';
export const GET_OBJECT_RESOURCE = 'arn:aws:states:::s3:getObject';

type State = Record<string, unknown> & { Type: string };
interface StateMachineDefinition {
  StartAt: string;
  States: Record<string, State>;
}

/** Where the reader's items are put in the execution state. */
function itemsPath(map: string): string {
  return `$.localItemReader.${map}`;
}

function retarget(states: Record<string, State>, from: string, to: string): void {
  const fix = (holder: Record<string, unknown>, field: string) => {
    if (holder[field] === from) holder[field] = to;
  };
  for (const state of Object.values(states)) {
    fix(state, 'Next');
    fix(state, 'Default');
    for (const c of (state['Choices'] as Record<string, unknown>[] | undefined) ?? []) fix(c, 'Next');
    for (const c of (state['Catch'] as Record<string, unknown>[] | undefined) ?? []) fix(c, 'Next');
  }
}

function localizeStates(definition: StateMachineDefinition): void {
  for (const [name, state] of Object.entries(definition.States)) {
    if (state.Type !== 'Map') continue;
    const processor = (state['ItemProcessor'] ?? state['Iterator']) as StateMachineDefinition | undefined;
    if (processor) localizeStates(processor);
    const reader = state['ItemReader'] as
      { Resource?: string; Parameters?: unknown; ReaderConfig?: { InputType?: string } } | undefined;
    if (!reader) continue;
    const supported =
      reader.Resource === LIST_OBJECTS_RESOURCE ||
      (reader.Resource === GET_OBJECT_RESOURCE && reader.ReaderConfig?.InputType === 'JSON');
    if (!supported || state['ItemBatcher'] !== undefined) {
      throw new Error(
        `Map state ${name}: the embedded stack runs S3 ListObjectsV2 and JSON GetObject ItemReaders without ItemBatcher only, not ${String(reader.Resource)}${reader.ReaderConfig?.InputType ? ` (${reader.ReaderConfig.InputType})` : ''}`,
      );
    }
    const readerState = `${name}ItemReader`;
    retarget(definition.States, name, readerState);
    if (definition.StartAt === name) definition.StartAt = readerState;
    definition.States[readerState] = {
      Type: 'Task',
      Comment: `Local stand-in for ${name}'s ItemReader.`,
      Resource: reader.Resource,
      Parameters: reader.Parameters ?? {},
      ResultPath: itemsPath(name),
      ...(state['Catch'] ? { Catch: state['Catch'] } : {}),
      Next: name,
    };
    delete state['ItemReader'];
    delete state['ResultWriter'];
    delete state['ToleratedFailurePercentage'];
    delete state['ToleratedFailurePercentagePath'];
    delete state['ToleratedFailureCount'];
    delete state['ToleratedFailureCountPath'];
    state['ItemsPath'] = itemsPath(name);
  }
}

/** A copy of `definition` whose Distributed Maps the local interpreter can run. */
export function localizeDistributedMaps<T extends object>(definition: T): T {
  const copy = structuredClone(definition) as unknown as StateMachineDefinition;
  localizeStates(copy);
  return copy as unknown as T;
}

/** An S3 object as a ListObjectsV2 ItemReader hands it to the map. */
export interface ListedItem {
  readonly Key: string;
  readonly Size: number;
  readonly Etag: string;
  readonly LastModified: number;
  readonly StorageClass: string;
}
