// The public face of OpenLineage: the RunEvents a tested output version emits.
export {
  assertionsOf,
  columnMetricsOf,
  DEFAULT_PRODUCER,
  FACET_SCHEMA_URLS,
  nameBasedUuid,
  OPENLINEAGE_SCHEMA_URL,
  producingStepEvent,
  runEventsOf,
  testRunEvent,
} from './run-events';
export type { Assertion, EventSettings, RunEvent, TestedVersion, VersionedObject } from './run-events';
export {
  emitTestedVersion,
  MAX_ERROR_MESSAGE_CHARS,
  MAX_LINKED_INPUTS,
  objectStoreTransport,
  parseOutputTestedDetail,
} from './emit-tested-version';
export type {
  EmissionDeps,
  EmissionResult,
  OpenLineageTransport,
  OutputTestedDetail,
} from './emit-tested-version';
