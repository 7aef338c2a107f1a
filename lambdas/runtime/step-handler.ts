/**
 * Wraps a workflow step's function as a middy handler with Powertools attached first (so their
 * context reaches the step): the logger gets the execution id and the object as correlation keys,
 * metrics are flushed after every invocation, the invocation is traced, and failures are logged
 * with their typed name before they propagate to Step Functions' Retry/Catch.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import type { Observability } from './observability';

export function correlationOf(event: unknown): { execution?: string; object?: string } {
  const e = event as { execution?: unknown; object?: { uri?: unknown } } | null;
  return {
    ...(typeof e?.execution === 'string' ? { execution: e.execution } : {}),
    ...(typeof e?.object?.uri === 'string' ? { object: e.object.uri } : {}),
  };
}

export function stepHandler<TResult>(
  o: Observability,
  step: string,
  run: (event: unknown, context: Context) => Promise<TResult>,
  extra: readonly middy.MiddlewareObj<unknown, TResult, Error, Context>[] = [],
): middy.MiddyfiedHandler<unknown, TResult, Error, Context> {
  let chain = middy<unknown, TResult, Error, Context>()
    .use(injectLambdaContext(o.logger, { resetKeys: true }))
    .use(logMetrics(o.metrics, { captureColdStartMetric: true }))
    .use(captureLambdaHandler(o.tracer));
  for (const m of extra) chain = chain.use(m);
  return chain.handler(async (event, context) => {
    o.logger.appendKeys(correlationOf(event));
    const started = Date.now();
    try {
      const result = await run(event, context);
      o.metrics.addMetric(`${step}Duration`, MetricUnit.Milliseconds, Date.now() - started);
      return result;
    } catch (error) {
      const e = error as Error;
      o.logger.error(`${step} failed`, { errorName: e.name, errorMessage: e.message });
      o.metrics.addMetric(`${step}Errors`, MetricUnit.Count, 1);
      throw error;
    }
  });
}
