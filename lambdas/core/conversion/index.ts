export { convertTable } from './convert-table';
