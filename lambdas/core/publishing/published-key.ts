/**
 * Where a staged object goes when it is published: the contract's `publish.to` template, filled
 * with the placeholders `path` captured from the staged key, followed by whatever the staged key
 * has below `path`'s folder (a part's own name and Hive folders), so a folder keeps its layout.
 */
import { compilePathTemplate } from '../contracts/match-output-key';
import type { OutputContract, PublishSpec } from '../contracts/output-contract';
import { ContractError } from '../errors';

const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/**
 * The published key of `stagedKey` (an object, a part, or a partitioned output's folder ending in
 * `/`). A key `path` does not claim, or a placeholder it did not capture, is a ContractError: the
 * contract changed between registration and publication, and nothing is copied.
 */
export function publishedKeyOf(
  contract: Pick<OutputContract, 'path'> & { readonly publish: PublishSpec },
  stagedKey: string,
): string {
  const { path, publish } = contract;
  const folder = path.endsWith('/');
  const template = folder ? path.slice(0, -1) : path;
  const depth = template.split('/').length;
  const parts = stagedKey.split('/');
  const head = parts.slice(0, depth).join('/');
  const rest = parts.slice(depth).join('/');
  const variables = compilePathTemplate(template)(head);
  if (!variables || (!folder && rest.length > 0) || (folder && parts.length <= depth))
    throw new ContractError(`'${stagedKey}' is not under the staging path '${path}'; nothing to publish`);
  const target = folder ? publish.to.slice(0, -1) : publish.to;
  const filled = target.replace(PLACEHOLDER, (_m, name: string) => {
    const value = variables[name];
    if (value === undefined)
      throw new ContractError(
        `publish.to '${publish.to}' names {${name}}, which path '${path}' does not capture`,
      );
    return value;
  });
  return folder ? `${filled}/${rest}` : filled;
}

/**
 * Whether a published key lies under the environment's published prefix: the only prefix the
 * publishing function may write, which no arrival rule watches (a published copy is the version
 * that was tested, byte for byte; testing it again would only double the cost).
 */
export function requirePublishedPrefix(key: string, prefix: string): void {
  if (!key.startsWith(prefix))
    throw new ContractError(
      `the published key '${key}' is outside the environment's published prefix '${prefix}': write publish.to under it`,
    );
}
