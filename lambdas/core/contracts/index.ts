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
export { contractLine, importOdcsContract, loadContract, parseContract } from './parse-contract';
export type { ImportedContract, LoadedContract } from './parse-contract';
export { contractFileForm } from './contract-file-form';
export { DEFAULT_EXPORT_BUCKET, exportOdcs } from './odcs/export-odcs';
export type { OdcsExportOptions } from './odcs/export-odcs';
export type { OdcsImportOptions, OdcsImportWarning } from './odcs/import-odcs';
export { isOdcsDocument, ODCS_API_VERSION } from './odcs/odcs-terms';
export { rowJsonSchema } from './odcs/row-json-schema';
export { columnCodec, formatTimestamp, NOT_CONFORMING, parseTimestamp } from './typed-values';
export type { ColumnCodec } from './typed-values';
