// The JavaScript reference of `make bench` (issue 16): a CDK app that builds
// the resources of a cloud assembly iamstack synthesized, each as an L1
// CfnResource with the same logical ID, type, properties, metadata and
// dependencies, one stack per stack, and synthesizes them. What it costs per
// resource is what an L1 resource costs in aws-cdk-lib without jsii, the
// reference iamstack's Go cost per resource is read against.
//
//   node app.js <cloud assembly directory>   (CDK_OUTDIR: where to write)
//
// aws-cdk-lib reads CDK_VALIDATION itself, as it does under the Go app.
'use strict';
const fs = require('fs');
const path = require('path');
const cdk = require('aws-cdk-lib');

const source = process.argv[2];
if (!source) {
  console.error('usage: node app.js <cloud assembly directory>');
  process.exit(2);
}
const manifest = JSON.parse(fs.readFileSync(path.join(source, 'manifest.json'), 'utf8'));
const app = new cdk.App();
let resources = 0;
for (const [id, artifact] of Object.entries(manifest.artifacts)) {
  if (artifact.type !== 'aws:cloudformation:stack') {
    continue;
  }
  const [account, region] = artifact.environment.replace('aws://', '').split('/');
  const template = JSON.parse(fs.readFileSync(path.join(source, artifact.properties.templateFile), 'utf8'));
  const stack = new cdk.Stack(app, id, {
    stackName: artifact.properties.stackName,
    env: { account, region },
    analyticsReporting: false,
  });
  const built = {};
  for (const [logicalId, r] of Object.entries(template.Resources || {})) {
    const res = new cdk.CfnResource(stack, logicalId, { type: r.Type, properties: r.Properties });
    res.overrideLogicalId(logicalId);
    if (r.Metadata) {
      res.cfnOptions.metadata = r.Metadata;
    }
    built[logicalId] = res;
    resources++;
  }
  for (const [logicalId, r] of Object.entries(template.Resources || {})) {
    for (const dep of [].concat(r.DependsOn || [])) {
      if (built[dep]) {
        built[logicalId].addResourceDependency(built[dep]);
      }
    }
  }
}
app.synth();
console.error(`l1app: ${resources} resources`);
