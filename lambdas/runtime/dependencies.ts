/**
 * The one place that builds what the handlers and the CLI work with: the SDK clients, the S3 object
 * store, the contract catalog, the output registry and the lineage store. A handler takes its
 * dependencies from functionDependencies() at cold start: the configuration is read then, once,
 * and each dependency is built once, on first use, so a warm container reuses its clients and its
 * catalog's cache. The CLI builds its clients with ServiceClients and its store and registry with
 * the same builders, so there is no second construction path to drift.
 *
 * @example
 * const { catalog, registry } = functionDependencies(); // at cold start: a missing variable fails here
 */
import {
  createDocumentClient,
  createS3Client,
  type ClientSettings,
  type DynamoDBDocumentClient,
  type S3Client,
} from '../adapters/aws/aws-clients';
import { DynamoLineageStore } from '../adapters/aws/dynamo-lineage-store';
import { DynamoOutputRegistry } from '../adapters/aws/dynamo-output-registry';
import { S3ObjectStore } from '../adapters/aws/s3-object-store';
import { ContractCatalog } from '../core/contracts';
import type { LineageStore } from '../core/lineage';
import type { OutputRegistry } from '../core/registry';
import { readFunctionConfig, requireSetting, type FunctionConfig } from './function-config';

/** The object store over an S3 client. */
export function s3ObjectStore(s3: S3Client): S3ObjectStore {
  return new S3ObjectStore(s3);
}

/** The output registry in `table`. */
export function outputRegistry(db: DynamoDBDocumentClient, table: string): OutputRegistry {
  return new DynamoOutputRegistry(db, table);
}

/** The lineage edges, stored in the registry table. */
export function lineageStore(db: DynamoDBDocumentClient, table: string): LineageStore {
  return new DynamoLineageStore(db, table);
}

/** SDK clients, each built on first use; destroy() closes the ones that were. */
export class ServiceClients {
  private s3Client: S3Client | undefined;
  private dbClient: DynamoDBDocumentClient | undefined;

  constructor(private readonly settings: ClientSettings) {}

  get s3(): S3Client {
    this.s3Client ??= createS3Client(this.settings);
    return this.s3Client;
  }

  get db(): DynamoDBDocumentClient {
    this.dbClient ??= createDocumentClient();
    return this.dbClient;
  }

  destroy(): void {
    this.s3Client?.destroy();
    this.dbClient?.destroy();
    this.s3Client = undefined;
    this.dbClient = undefined;
  }
}

/** A function's dependencies, each built on first use from one configuration and kept. */
export class FunctionDependencies {
  readonly clients: ServiceClients;
  private built: {
    store?: S3ObjectStore;
    catalog?: ContractCatalog;
    registry?: OutputRegistry;
    lineage?: LineageStore;
  } = {};

  constructor(readonly config: FunctionConfig) {
    this.clients = new ServiceClients(config);
  }

  get store(): S3ObjectStore {
    return (this.built.store ??= s3ObjectStore(this.clients.s3));
  }

  /** The contracts under the contracts prefix of the artifacts bucket. */
  get catalog(): ContractCatalog {
    return (this.built.catalog ??= new ContractCatalog(
      this.store,
      requireSetting(this.config, 'artifactsBucket'),
      requireSetting(this.config, 'contractsPrefix'),
      this.config.contractCacheTtlMs,
    ));
  }

  get registry(): OutputRegistry {
    return (this.built.registry ??= outputRegistry(
      this.clients.db,
      requireSetting(this.config, 'registryTable'),
    ));
  }

  get lineage(): LineageStore {
    return (this.built.lineage ??= lineageStore(
      this.clients.db,
      requireSetting(this.config, 'registryTable'),
    ));
  }
}

/**
 * A function's dependencies, configured from process.env as it is now. A handler calls this once,
 * at module load, which is once per container; each handler keeps its own, as each deployed
 * function has its own container, also where several run in one process (the embedded stack).
 */
export function functionDependencies(): FunctionDependencies {
  return new FunctionDependencies(readFunctionConfig(process.env));
}
