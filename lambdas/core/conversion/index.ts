// The public face of conversion: rewriting a table in another format with the equivalence proof.
export { convertTable } from './convert-table';
