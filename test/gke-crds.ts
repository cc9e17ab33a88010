// Where the CustomResourceDefinitions of GKE's own kinds are (test/crds, in the
// repository: see its README.md; or the directory in GKE_CRDS), and which of them
// HelloNodeApp writes objects of: the schema checks read their schemas, and the test
// control plane installs them.
import * as path from 'node:path';

export const CRDS_DIR = path.resolve(process.env.GKE_CRDS ?? path.join(__dirname, 'crds'));
export const CRD_FILES = ['managedcertificates.networking.gke.io.yaml', 'frontendconfigs.networking.gke.io.yaml', 'backendconfigs.cloud.google.com.yaml'];
