/**
 * Where the artifacts of one tested object version go. They mirror the object's key, so a person
 * who knows the output's key finds its report without a lookup.
 */
import type { ObjectRef } from './workflow-types';

export function versionToken(object: Pick<ObjectRef, 'sk'>): string {
  return object.sk.replace(/^VER#/, '');
}

/** A partitioned output's key is its folder (`…/orders/`); artifacts drop the trailing slash. */
export function folderKey(key: string): string {
  return key.replace(/\/+$/, '');
}

export function artifactKey(prefix: string, object: ObjectRef, extension: string): string {
  return `${prefix}${object.bucket}/${folderKey(object.key)}/${versionToken(object)}.${extension}`;
}
