/**
 * CDK entry point: `cdk synth|deploy -c env=dev|staging|prod` (default dev) synthesizes one stack,
 * `prt-<env>`. The environment settings are read here, once, from the `environments` context in
 * cdk.json and handed down typed; a bad setting stops the app with a one-line message naming it.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { OutputTestingStack } from '../lib/output-testing-stack';
import {
  EnvironmentConfigError,
  selectEnvironment,
  type EnvironmentConfig,
} from '../lib/config/environment-config';

const DEFAULT_ENVIRONMENT = 'dev';

const app = new App();
// cdk-nag's AwsSolutions rules run on every synth and deploy: an unacknowledged finding stops the
// synth with a report naming the resource. Acknowledgments sit on the resources themselves
// (lib/nag-acknowledgments.ts); test/infra/cdk-nag.test.ts checks every environment.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

function readConfig(): EnvironmentConfig {
  const envName: unknown = app.node.tryGetContext('env') ?? DEFAULT_ENVIRONMENT;
  if (typeof envName !== 'string' || envName.length === 0) {
    throw new EnvironmentConfigError(`context "env" must be an environment name (cdk ... -c env=NAME)`);
  }
  return selectEnvironment(app.node.tryGetContext('environments'), envName);
}

let config: EnvironmentConfig;
try {
  config = readConfig();
} catch (error) {
  // A configuration mistake is the user's to fix: print what is wrong, not a stack trace.
  if (error instanceof EnvironmentConfigError) {
    process.stderr.write(`prt: ${error.message}\n`);
    process.exit(1);
  }
  throw error;
}

new OutputTestingStack(app, `prt-${config.name}`, {
  config,
  description: `Pipeline Runtime Testing (${config.name}): tests every pipeline output written to S3`,
  // Environment-agnostic unless cdk.json pins an account/region for this environment.
  ...(config.account !== undefined || config.region !== undefined
    ? {
        env: {
          ...(config.account !== undefined ? { account: config.account } : {}),
          ...(config.region !== undefined ? { region: config.region } : {}),
        },
      }
    : {}),
});
