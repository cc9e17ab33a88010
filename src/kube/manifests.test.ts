import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { TEMPLATE_HASH_ANNOTATION } from './cluster-state';
import { APPLYSET_PART_OF_LABEL, applySetId, forCluster, readManifests, toYamlStream } from './manifests';

describe('applySetId', () => {
  test('is kubectl\'s ID: its own test vector (kubectl pkg/cmd/apply/applyset_test.go, TestApplySet_ID)', () => {
    expect(applySetId('test-foo', 'test-ns', 'Foo', 'foo.bar')).toBe('applyset-f9Rk5tKHoB72oV1tU2iFKxDwL8MBZTjMHFQ8V9WNNlA-v1');
  });

  test('of a Secret parent by default: base64url of 32 bytes, unpadded', () => {
    expect(applySetId('hello-node-applyset', 'default')).toMatch(/^applyset-[A-Za-z0-9_-]{43}-v1$/);
    expect(applySetId('hello-node-applyset', 'default')).toBe(applySetId('hello-node-applyset', 'default', 'Secret', ''));
  });

  test('differs by namespace', () => {
    expect(applySetId('a', 'one')).not.toBe(applySetId('a', 'two'));
  });
});

describe('forCluster', () => {
  const rc = { apiVersion: 'v1', kind: 'ReplicationController', metadata: { name: 'rc' }, spec: { template: { metadata: { labels: { app: 'a' } }, spec: { containers: [{ name: 'c', image: 'i:v1' }] } } } };
  const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'svc', labels: { team: 'x' } } };

  test('labels every object as a member of the ApplySet, keeping its labels', () => {
    const [a, b] = forCluster([rc, svc], 'set-1');
    expect(a.metadata.labels).toEqual({ [APPLYSET_PART_OF_LABEL]: 'set-1' });
    expect(b.metadata.labels).toEqual({ team: 'x', [APPLYSET_PART_OF_LABEL]: 'set-1' });
  });

  test('stamps a ReplicationController\'s template with its hash, which changes with the template and only then', () => {
    const hashOf = (obj: typeof rc) => forCluster([obj], 's')[0].spec?.template?.metadata?.annotations?.[TEMPLATE_HASH_ANNOTATION];
    const v2 = structuredClone(rc);
    v2.spec.template.spec.containers[0].image = 'i:v2';
    expect(hashOf(rc)).toMatch(/^[0-9a-f]{16}$/);
    expect(hashOf(structuredClone(rc))).toBe(hashOf(rc));
    expect(hashOf(v2)).not.toBe(hashOf(rc));
  });

  test('without an ApplySet, labels nothing: kubectl\'s ApplySet apply adds the label itself and refuses input that has it', () => {
    expect(forCluster([rc, svc]).map((o) => o.metadata.labels)).toEqual([undefined, { team: 'x' }]);
  });

  test('leaves the objects it was given as they were', () => {
    const before = JSON.stringify([rc, svc]);
    forCluster([rc, svc], 's');
    expect(JSON.stringify([rc, svc])).toBe(before);
  });
});

test('toYamlStream quotes what YAML 1.1 (kubectl\'s reader) would take for another type', () => {
  const stream = toYamlStream([{ kind: 'ConfigMap', metadata: { name: 'c', labels: { enabled: 'yes' } } }]);
  expect(stream).toContain('enabled: "yes"');
});

test('readManifests reads every YAML document under the output, in file order, and toYamlStream writes them back', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'manifests-'));
  try {
    fs.mkdirSync(path.join(dir, 'chart'));
    fs.writeFileSync(path.join(dir, 'a.k8s.yaml'), 'kind: A\nmetadata: {name: a}\n---\nkind: B\nmetadata: {name: b}\n');
    fs.writeFileSync(path.join(dir, 'chart', 'c.k8s.yaml'), 'kind: C\nmetadata: {name: c}\n');
    fs.writeFileSync(path.join(dir, 'construct-metadata.json'), '{}');
    const objects = readManifests(dir);
    expect(objects.map((o) => o.kind)).toEqual(['A', 'B', 'C']);
    expect(parseAllDocuments(toYamlStream(objects)).map((d) => d.toJS())).toEqual(objects);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('readManifests opens Lists into their items, as kubectl applies them', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'manifests-'));
  try {
    fs.writeFileSync(path.join(dir, 'a.k8s.yaml'), 'apiVersion: v1\nkind: List\nmetadata: {name: l}\nitems:\n  - {kind: ConfigMapList, items: [{kind: ConfigMap, metadata: {name: x, namespace: other}}]}\n  - {kind: Secret, metadata: {name: y}}\n');
    expect(readManifests(dir).map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['ConfigMap/x', 'Secret/y']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
