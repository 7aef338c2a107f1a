// The public face of registry: the output registry port, its keys and cursors, output names, status
// transitions and their errors.
export { formatOutputName, parseOutputName } from './output-name';
export type { OutputName } from './output-name';
export {
  awaitsFirstTest,
  expectationPk,
  isExpectationEntry,
  objectPk,
  outputIndexKey,
  pipelinePk,
  runIndexKey,
  versionTokenOf,
} from './output-registry';
export type {
  DataType,
  OutputRegistry,
  Page,
  PageRequest,
  Publication,
  RecordedEdge,
  RegistryEntry,
  StatusDetails,
  TransitionResult,
} from './output-registry';
export { decodeCursor, encodeCursor } from './registry-cursor';
export {
  ConcurrentUpdateError,
  InvalidCursorError,
  NotRegisteredError,
  OutputNameError,
  StatusTransitionError,
} from './registry-errors';
export { registeredFolderOf, resolveOutput } from './resolve-output';
export { canTransition, isTestStatus, TEST_STATUSES } from './status-transitions';
export type { TestStatus } from './status-transitions';
export { byteOrder, isDataPart } from './dataset-parts';
