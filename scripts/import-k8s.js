#!/usr/bin/env node
// Regenerates imports/k8s.ts with cdk8s-cli's own Kubernetes importer, reading the
// schema from disk: `cdk8s import k8s@1.27.0` would download it, and there is no
// internet here. The importer fetches the schema through cdk8s-cli's `download`
// helper, which already reads plain file paths, so the only change is which
// address it is handed.
//
//   npm run import                      # schema from ../shared/k8s-schemas
//   K8S_SCHEMA=/path/to/_definitions.json npm run import
'use strict';

const fs = require('node:fs');
const path = require('node:path');

const K8S_VERSION = '1.27.0';
const repoRoot = path.resolve(__dirname, '..');
const schemaPath = path.resolve(
  process.env.K8S_SCHEMA ?? path.join(repoRoot, '..', 'shared', 'k8s-schemas', `v${K8S_VERSION}`, '_definitions.json'),
);

if (!fs.existsSync(schemaPath)) {
  console.error(`import-k8s: schema not found at ${schemaPath} (set K8S_SCHEMA to its path)`);
  process.exit(1);
}

// cdk8s-cli's package "exports" hide its internals; absolute paths reach them.
const cliRoot = path.dirname(require.resolve('cdk8s-cli/package.json'));
const util = require(path.join(cliRoot, 'lib', 'util.js'));
const { ImportKubernetesApi } = require(path.join(cliRoot, 'lib', 'import', 'k8s.js'));
const { Language } = require(path.join(cliRoot, 'lib', 'import', 'base.js'));

const upstreamDownload = util.download;
util.download = async (url) => {
  if (!url.endsWith(`/v${K8S_VERSION}/_definitions.json`)) {
    throw new Error(`import-k8s: refusing to download ${url}; only the local ${K8S_VERSION} schema is used`);
  }
  return upstreamDownload(schemaPath);
};

new ImportKubernetesApi({ apiVersion: K8S_VERSION })
  .import({ outdir: path.join(repoRoot, 'imports'), targetLanguage: Language.TYPESCRIPT })
  .then(() => console.error(`import-k8s: imports/k8s.ts generated from ${schemaPath}`))
  .catch((err) => {
    console.error(`import-k8s: ${err instanceof Error ? err.message : err}`);
    process.exit(1);
  });
