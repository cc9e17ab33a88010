import { asDeployLeaves, clientSideAppliers, ManagedFieldsEntry, migratedManagedFields } from './client-side-apply';
import { itemsOf } from '../release/preview';

const LAST_APPLIED = { 'f:metadata': { 'f:annotations': { '.': {}, 'f:kubectl.kubernetes.io/last-applied-configuration': {} } } };

/** A ConfigMap as kubernetes/kubernetes#125607 reports it: three keys applied client-side, then a server-side dry run of a manifest with one. */
const configMap = (entries: ManagedFieldsEntry[]) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: {
    name: 'cm',
    annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}' },
    managedFields: entries,
  },
  data: { key1: 'new', key2: 'original', key3: 'original' },
});
const clientSide: ManagedFieldsEntry = {
  manager: 'kubectl-client-side-apply',
  operation: 'Update',
  apiVersion: 'v1',
  fieldsV1: { ...LAST_APPLIED, 'f:data': { '.': {}, 'f:key2': {}, 'f:key3': {} } },
};
const applied: ManagedFieldsEntry = { manager: 'hello-node', operation: 'Apply', apiVersion: 'v1', fieldsV1: { 'f:data': { 'f:key1': {} } } };

describe('clientSideAppliers', () => {
  test('are the Update managers that own the last-applied-configuration annotation, as kubectl finds them', () => {
    expect(clientSideAppliers([clientSide, applied, { manager: 'kubectl-edit', operation: 'Update', fieldsV1: { 'f:data': { 'f:key2': {} } } }])).toEqual(['kubectl-client-side-apply']);
  });

  test('are none for an object only ever applied server-side, even with the annotation owned by an Apply', () => {
    expect(clientSideAppliers([applied, { manager: 'kubectl-last-applied', operation: 'Apply', fieldsV1: LAST_APPLIED }])).toEqual([]);
  });
});

describe('migratedManagedFields', () => {
  test('merges the client-side manager\'s fields into the Apply entry and drops its Update entries', () => {
    const migrated = migratedManagedFields([clientSide, applied, { ...clientSide, apiVersion: 'v1beta1' }], ['kubectl-client-side-apply'], 'hello-node');
    expect(migrated).toEqual([{ ...applied, fieldsV1: { 'f:data': { '.': {}, 'f:key1': {}, 'f:key2': {}, 'f:key3': {} }, ...LAST_APPLIED } }]);
  });

  test('turns the client-side entry into the Apply entry when the manager has none yet', () => {
    expect(migratedManagedFields([clientSide], ['kubectl-client-side-apply'], 'hello-node')).toEqual([{ ...clientSide, manager: 'hello-node', operation: 'Apply' }]);
  });

  test('leaves subresource entries and other managers as they are', () => {
    const scale: ManagedFieldsEntry = { manager: 'kubectl-client-side-apply', operation: 'Update', subresource: 'scale', fieldsV1: { 'f:spec': { 'f:replicas': {} } } };
    const other: ManagedFieldsEntry = { manager: 'kube-controller-manager', operation: 'Update', fieldsV1: { 'f:status': {} } };
    expect(migratedManagedFields([clientSide, applied, scale, other], ['kubectl-client-side-apply'], 'hello-node').slice(1)).toEqual([scale, other]);
  });
});

describe('asDeployLeaves', () => {
  test('removes what only the client-side apply set and the manifest no longer does, with the annotation', () => {
    const after = asDeployLeaves(configMap([clientSide, applied]), 'hello-node');
    expect(after).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' }, data: { key1: 'new' } });
  });

  test('keeps a field another manager owns too', () => {
    const edit: ManagedFieldsEntry = { manager: 'kubectl-edit', operation: 'Update', fieldsV1: { 'f:data': { 'f:key3': {} } } };
    expect(asDeployLeaves(configMap([clientSide, applied, edit]), 'hello-node')?.data).toEqual({ key1: 'new', key3: 'original' });
  });

  test('keeps what no manager ever owned, such as fields a webhook set', () => {
    const obj = configMap([clientSide, applied]);
    const after = asDeployLeaves({ ...obj, data: { ...obj.data, injected: 'yes' } }, 'hello-node');
    expect(after?.data).toEqual({ key1: 'new', injected: 'yes' });
  });

  test('removes a list item by its key, and an atomic list whole', () => {
    const pod = {
      kind: 'Pod',
      metadata: {
        name: 'p',
        managedFields: [
          { manager: 'kubectl-client-side-apply', operation: 'Update', fieldsV1: { ...LAST_APPLIED, 'f:spec': { 'f:containers': { 'k:{"name":"app"}': { '.': {}, 'f:name': {}, 'f:args': {} }, 'k:{"name":"sidecar"}': { '.': {}, 'f:name': {} } } } } },
          { manager: 'hello-node', operation: 'Apply', fieldsV1: { 'f:spec': { 'f:containers': { 'k:{"name":"app"}': { '.': {}, 'f:name': {} } } } } },
        ] as ManagedFieldsEntry[],
      },
      spec: { containers: [{ name: 'app', args: ['--a', '--b'] }, { name: 'sidecar' }] },
    };
    expect(asDeployLeaves(pod, 'hello-node')?.spec).toEqual({ containers: [{ name: 'app' }] });
  });

  test('keeps the keys of a list item that another manager\'s field keeps', () => {
    const rc = {
      kind: 'ReplicationController',
      metadata: {
        name: 'rc',
        managedFields: [
          { manager: 'kubectl-client-side-apply', operation: 'Update', fieldsV1: { ...LAST_APPLIED, 'f:spec': { 'f:ports': { 'k:{"port":80}': { '.': {}, 'f:port': {}, 'f:name': {} } } } } },
          { manager: 'kubectl-patch', operation: 'Update', fieldsV1: { 'f:spec': { 'f:ports': { 'k:{"port":80}': { 'f:nodePort': {} } } } } },
        ] as ManagedFieldsEntry[],
      },
      spec: { ports: [{ port: 80, name: 'web', nodePort: 30080 }] },
    };
    expect(asDeployLeaves(rc, 'hello-node')?.spec).toEqual({ ports: [{ port: 80, nodePort: 30080 }] });
  });

  test('counts a Secret\'s data as the applier\'s where its stringData sets it', () => {
    const secret = {
      kind: 'Secret',
      metadata: {
        name: 's',
        managedFields: [
          { manager: 'kubectl-client-side-apply', operation: 'Update', fieldsV1: { ...LAST_APPLIED, 'f:data': { '.': {}, 'f:password': {} } } },
          { manager: 'hello-node', operation: 'Apply', fieldsV1: { 'f:stringData': { 'f:password': {} } } },
        ] as ManagedFieldsEntry[],
      },
      data: { password: 'aHVudGVyMg==' },
    };
    expect(asDeployLeaves(secret, 'hello-node')?.data).toEqual({ password: 'aHVudGVyMg==' });
  });

  test('takes back a pod template\'s container fields that another manager set by hand, and nothing else of its', () => {
    const rc = {
      kind: 'ReplicationController',
      metadata: {
        name: 'rc',
        labels: { team: 'a' },
        managedFields: [
          { manager: 'hello-node', operation: 'Apply', fieldsV1: { 'f:spec': { 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"app"}': { '.': {}, 'f:name': {}, 'f:image': {} } } } } } } },
          { manager: 'kubectl-set', operation: 'Update', fieldsV1: { 'f:metadata': { 'f:labels': { 'f:team': {} } }, 'f:spec': { 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"app"}': { 'f:env': { '.': {}, 'k:{"name":"DEBUG"}': { '.': {}, 'f:name': {}, 'f:value': {} } } } } } } } } },
        ] as ManagedFieldsEntry[],
      },
      spec: { template: { spec: { containers: [{ name: 'app', image: 'i:v1', env: [{ name: 'DEBUG', value: '1' }] }] } } },
    };
    const after = asDeployLeaves(rc, 'hello-node');
    expect(after?.spec.template.spec.containers).toEqual([{ name: 'app', image: 'i:v1' }]);
    expect(after?.metadata.labels).toEqual({ team: 'a' });
  });

  test('is undefined for an object no client-side apply wrote: nothing is migrated', () => {
    expect(asDeployLeaves(configMap([applied]), 'hello-node')).toBeUndefined();
  });
});

describe('itemsOf', () => {
  test('reads one object, a List, and objects printed one after another, braces in strings included', () => {
    const a = { kind: 'A', metadata: { name: 'a', annotations: { x: '{"}\\\\' } } };
    const b = { kind: 'B', metadata: { name: 'b' } };
    expect(itemsOf(JSON.stringify(a, null, 4))).toEqual([a]);
    expect(itemsOf(JSON.stringify({ kind: 'List', items: [a, b] }))).toEqual([a, b]);
    expect(itemsOf(`${JSON.stringify(a, null, 4)}\n${JSON.stringify(b, null, 4)}\n`)).toEqual([a, b]);
  });
});
