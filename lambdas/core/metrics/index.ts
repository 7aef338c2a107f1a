// The public face of metrics. No layer above core uses it today; it names what validation and
// reporting use, for the day one does.
export { ColumnMetrics } from './column-metrics';
export type { ColumnProfile } from './column-profile';
export { DDSketch, DDSKETCH_RELATIVE_ACCURACY } from './ddsketch';
export { HyperLogLog } from './hyperloglog';
