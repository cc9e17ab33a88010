// The kubeconfig client of the in-process kubectl (in-process.ts), a module of its own:
// the package's CLI loads it from a file beside its bundle (`npm run build:cli` writes
// build/cli/kubeconfig-client.js) only when a command talks to a cluster, so that a
// synth or --help does not parse its 1.7 MB.
export { KubeConfig } from '@kubernetes/client-node/dist/config.js';
