/**
 * The one place that builds the Powertools logger, metrics and tracer every handler uses, so all
 * functions log, measure and trace alike: structured JSON logs with the execution as correlation
 * id, CloudWatch EMF metrics in one namespace, X-Ray traces. Service names come from the
 * standard POWERTOOLS_* variables the stack sets per function.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';

export const METRICS_NAMESPACE = 'PipelineRuntimeTesting';

export interface Observability {
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly tracer: Tracer;
}

export function createObservability(serviceName: string): Observability {
  const logger = new Logger({ serviceName });
  return {
    logger,
    // Metrics' own warnings go through the structured logger, at the function's log level, instead
    // of straight to the console.
    metrics: new Metrics({ namespace: METRICS_NAMESPACE, serviceName, logger }),
    tracer: new Tracer({ serviceName }),
  };
}
