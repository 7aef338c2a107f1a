/**
 * Each workflow function's handler module, imported by a path the bundler can see: the compiled CLI
 * (bin/build.mjs) carries the handlers it runs in its own output, so `prt local` needs no TypeScript
 * loader. The record's type makes a function added to WORKFLOW_FUNCTIONS a compile error here until
 * its handler is listed.
 */
import type { WorkflowFunction } from '../config/workflow-definition';

interface HandlerModule {
  /**
   * A method, so its parameters compare both ways: the handlers take Lambda's Context, which the
   * embedded stack builds as a plain object (task-bindings.ts) and passes on as it is.
   */
  handler(this: void, event: unknown, context: unknown): Promise<unknown>;
}

export const HANDLER_MODULES: Readonly<Record<WorkflowFunction, () => Promise<HandlerModule>>> = {
  register: () => import('../../lambdas/register/handler'),
  inspect: () => import('../../lambdas/inspect/handler'),
  validate: () => import('../../lambdas/validate/handler'),
  convert: () => import('../../lambdas/convert/handler'),
  lineage: () => import('../../lambdas/lineage/handler'),
  publish: () => import('../../lambdas/publish/handler'),
};

/** The synthetic canary's functions (not steps of the output-testing workflow). */
export const CANARY_HANDLER_MODULES: Readonly<Record<'generate' | 'canary', () => Promise<HandlerModule>>> = {
  generate: () => import('../../lambdas/generate/handler'),
  canary: () => import('../../lambdas/canary/handler'),
};

/** Functions subscribed to events the workflow puts on the default bus (not steps of a workflow). */
export const SUBSCRIBER_HANDLER_MODULES: Readonly<
  Record<'openlineage' | 'run-report', () => Promise<HandlerModule>>
> = {
  openlineage: () => import('../../lambdas/openlineage/handler'),
  'run-report': () => import('../../lambdas/run-report/handler'),
};
