import { KubeObject, TEMPLATE_HASH_ANNOTATION } from '../kube/cluster-state';
import { Revision } from '../release/history';
import { workloadLine } from './status';

/** A ReplicationController as hello-node deploy applies it, running `image`. */
const rc = (image: string): KubeObject => {
  const template = { metadata: { annotations: { [TEMPLATE_HASH_ANNOTATION]: image } }, spec: { containers: [{ name: 'hello-node', image }] } };
  return { apiVersion: 'v1', kind: 'ReplicationController', metadata: { name: 'hello-node-rc', namespace: 'production' }, spec: { replicas: 2, template } as KubeObject['spec'] };
};

const revision = (number: number, description: string, rollbackOf?: number): Revision => ({
  number, status: 'failed', time: '2026-12-07T19:00:00Z', description, images: [], rollbackOf, secret: { apiVersion: 'v1', kind: 'Secret', metadata: { name: `hello-node-revision-${number}` } },
});

describe('the workload line of a template whose release did not finish', () => {
  const PROMOTED = 'gcr.io/p/hello-node:v2@sha256:' + 'a'.repeat(64);
  const live = rc(PROMOTED);
  const deployed = rc('gcr.io/p/hello-node:v1');

  test.each([
    ['a promotion says to promote again, from the same environment', 'promoted from staging revision 4', undefined, 'whose promotion did not finish (failed): promote --from staging again to finish it, or rollback'],
    ['a deploy says to deploy again', 'deploy', undefined, 'whose deploy did not finish (failed): deploy again to finish it, or rollback'],
    ['a rollback says to roll back again', 'rollback to 1', 1, 'whose rollback did not finish (failed): rollback again to finish it'],
  ])('%s', (_, description, rollbackOf, says) => {
    const line = workloadLine('replicationcontroller/hello-node-rc', live, [], deployed, { revision: revision(5, description, rollbackOf), object: live });
    expect(line).toBe(`replicationcontroller/hello-node-rc: 2 desired, 0 updated, 0 ready (its template is revision 5's, ${says})`);
  });
});
