export { loadContractBucket, loadContractDirectory } from './contract-source';
export type { LoadedContracts } from './contract-source';
export { prepareInputs } from './prepare-inputs';
