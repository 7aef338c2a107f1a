/**
 * The run report function's dependencies, built once per container from the shared wiring: the
 * registry and lineage store it reads the run from, the object store it reads the stored reports
 * from and writes the run report to, and where that goes (the artifacts bucket and its reports
 * prefix, both required at cold start).
 */
import { RunReadCache, type WriteRunReportDeps } from '../core/reporting';
import { functionDependencies } from './dependencies';
import { requireSetting } from './function-config';

export function runReportDependencies(): WriteRunReportDeps {
  const shared = functionDependencies();
  return {
    registry: shared.registry,
    lineage: shared.lineage,
    store: shared.store,
    artifactsBucket: requireSetting(shared.config, 'artifactsBucket'),
    reportsPrefix: requireSetting(shared.config, 'reportsPrefix'),
    now: () => new Date(),
    // Kept by the container: the next arrival of the run reads only what changed.
    cache: new RunReadCache(),
  };
}
