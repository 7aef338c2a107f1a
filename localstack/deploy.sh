#!/usr/bin/env bash
# Deploys the stack of one environment into a running LocalStack with cdklocal and writes the stack
# outputs to localstack/outputs.json, which the integration suite reads (PRT_TEST_TARGET=stack).
set -euo pipefail
cd "$(dirname "$0")/.."
env_name=${1:-dev}
export AWS_ACCESS_KEY_ID=${AWS_ACCESS_KEY_ID:-test} AWS_SECRET_ACCESS_KEY=${AWS_SECRET_ACCESS_KEY:-test}
export AWS_DEFAULT_REGION=${AWS_DEFAULT_REGION:-us-east-1} AWS_REGION=${AWS_REGION:-us-east-1}
npx cdklocal bootstrap -c env="$env_name"
npx cdklocal deploy -c env="$env_name" --require-approval never --outputs-file localstack/outputs.json "prt-$env_name"
echo "stack outputs: localstack/outputs.json"
