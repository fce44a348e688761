#!/usr/bin/env bash
# Prints one output of the AWS stack (aws/template.yaml), for the README's commands:
#   aws/stack-output.sh DestinationArn          # stack "button-clicks", or STACK_NAME=<name>
# A script rather than a shell function, so every command works in any terminal, pasted in any order.
set -euo pipefail
key=${1:?usage: aws/stack-output.sh <OutputKey>   (e.g. DestinationArn, ClientCredentialsSecretArn, TokenRefresherFunctionName, ErrorBucketName)}
value=$(aws cloudformation describe-stacks --stack-name "${STACK_NAME:-button-clicks}" \
  --query "Stacks[0].Outputs[?OutputKey=='${key}'].OutputValue" --output text)
if [ -z "${value}" ] || [ "${value}" = "None" ]; then
  echo "stack ${STACK_NAME:-button-clicks} has no output ${key} (is the stack created? aws cloudformation describe-stacks --stack-name ${STACK_NAME:-button-clicks})" >&2
  exit 1
fi
printf '%s\n' "${value}"
