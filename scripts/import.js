#!/usr/bin/env node
// Regenerates imports/: k8s.ts with cdk8s-cli's own Kubernetes importer, reading the
// schema from disk (`cdk8s import k8s@1.27.0` would download it, and there is no
// internet here: the importer fetches the schema through cdk8s-cli's `download`
// helper, which already reads plain file paths, so the only change is which address
// it is handed), and the classes of GKE's own kinds from their
// CustomResourceDefinitions, with `cdk8s import <file>` (offline already).
//
//   npm run import                      # schema from ../shared, CRDs from test/crds
//   K8S_SCHEMA=/path/to/_definitions.json GKE_CRDS=/path/to/crds npm run import
'use strict';

const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const K8S_VERSION = '1.27.0';
const repoRoot = path.resolve(__dirname, '..');
const schemaPath = path.resolve(
  process.env.K8S_SCHEMA ?? path.join(repoRoot, '..', 'shared', 'k8s-schemas', `v${K8S_VERSION}`, '_definitions.json'),
);

const crdsDir = path.resolve(process.env.GKE_CRDS ?? path.join(repoRoot, 'test', 'crds'));
/**
 * The generated file of each API group, and the CRD files of its kinds. cdk8s import
 * writes one file per group and keeps only the last kind imported into it, so a
 * group's kinds are imported together, from one multi-document file.
 */
const CRD_GROUPS = {
  'networking.gke.io': ['managedcertificates.networking.gke.io.yaml', 'frontendconfigs.networking.gke.io.yaml'],
  'cloud.google.com': ['backendconfigs.cloud.google.com.yaml'],
};

for (const [what, file, variable] of [['schema', schemaPath, 'K8S_SCHEMA'], ['CRD directory', crdsDir, 'GKE_CRDS']]) {
  if (!fs.existsSync(file)) {
    console.error(`import: ${what} not found at ${file} (set ${variable} to its path)`);
    process.exit(1);
  }
}

// cdk8s-cli's package "exports" hide its internals; absolute paths reach them.
const cliRoot = path.dirname(require.resolve('cdk8s-cli/package.json'));
const util = require(path.join(cliRoot, 'lib', 'util.js'));
const { ImportKubernetesApi } = require(path.join(cliRoot, 'lib', 'import', 'k8s.js'));
const { Language } = require(path.join(cliRoot, 'lib', 'import', 'base.js'));

const upstreamDownload = util.download;
util.download = async (url) => {
  if (!url.endsWith(`/v${K8S_VERSION}/_definitions.json`)) {
    throw new Error(`import: refusing to download ${url}; only the local ${K8S_VERSION} schema is used`);
  }
  return upstreamDownload(schemaPath);
};

function importCrds() {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'hello-node-crds-'));
  try {
    for (const [group, files] of Object.entries(CRD_GROUPS)) {
      const combined = path.join(work, `${group}.yaml`);
      fs.writeFileSync(combined, files.map((file) => fs.readFileSync(path.join(crdsDir, file), 'utf8')).join('\n---\n'));
      execFileSync(process.execPath, [path.join(cliRoot, 'bin', 'cdk8s'), 'import', combined, '--language', 'typescript', '--output', path.join(repoRoot, 'imports')], {
        // run outside the project: cdk8s import adds what it imports to the cdk8s.yaml it finds
        cwd: work, stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, CDK8S_CHECK_UPGRADE: 'false' },
      });
      console.error(`import: imports/${group}.ts generated from ${files.join(', ')} in ${crdsDir}`);
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

new ImportKubernetesApi({ apiVersion: K8S_VERSION })
  .import({ outdir: path.join(repoRoot, 'imports'), targetLanguage: Language.TYPESCRIPT })
  .then(() => {
    console.error(`import: imports/k8s.ts generated from ${schemaPath}`);
    importCrds();
  })
  .catch((err) => {
    console.error(`import: ${err instanceof Error ? err.message : err}`);
    process.exit(1);
  });
