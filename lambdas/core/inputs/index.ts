// The public face of inputs: loading contracts and preparing the inputs a pipeline step declares.
export { loadContractBucket, loadContractDirectory } from './contract-source';
export type { LoadedContracts } from './contract-source';
export { prepareInputs } from './prepare-inputs';
