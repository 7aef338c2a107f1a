export { ColumnMetrics } from './column-metrics';
export type { ColumnProfile } from './column-profile';
export { DDSketch, DDSKETCH_RELATIVE_ACCURACY } from './ddsketch';
export { HyperLogLog } from './hyperloglog';
