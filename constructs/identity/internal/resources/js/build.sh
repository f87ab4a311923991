#!/bin/sh
# Compiles iamstack-resources with jsii and packs the tarball resources.go
# embeds (`make jsii-resources`). npm ci installs the pinned jsii and
# aws-cdk-lib into a scratch copy, so nothing is left in the source tree.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$here/package.json" "$here/package-lock.json" "$here/README.md" "$here/lib" "$work/"
cd "$work"
npm ci --no-audit --no-fund --loglevel=error
JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20 npx --no-install jsii
npm pack --loglevel=error >/dev/null
cp iamstack-resources-*.tgz "$here/../"
