// The public face of contracts: parsing a contract, its types, the catalog and typed-value codecs.
export { ContractCatalog } from './contract-catalog';
export { diffContracts, gradeStoredType, levelRank, narrowingNeedsValues, typeText } from './contract-diff';
export { consumersOf, gradeEdge, recordedEdgeLine } from './edge-grade';
export type { Consumer, EdgeColumns, EdgeGrade } from './edge-grade';
export type { ColumnChange, ContractDiff, ValueFit } from './contract-diff';
export { contractJsonSchema } from './contract-schema';
export { DATA_FORMATS, expectationOf, logicalName, qualifiedName } from './output-contract';
export type {
  ColumnSpec,
  ColumnType,
  Compression,
  CsvOptions,
  DataFormat,
  InputExpectation,
  OutputContract,
  TimestampUnit,
} from './output-contract';
export { contractLine, parseContract } from './parse-contract';
export { columnCodec, formatTimestamp, NOT_CONFORMING, parseTimestamp } from './typed-values';
export type { ColumnCodec } from './typed-values';
