import * as api from '.';

test('the public API holds the constructs, the types their props take, the enums, the errors, the imported API and what an app needs to honour the CLI\'s settings and synthesize safely, nothing else', () => {
  expect(Object.keys(api).sort()).toEqual([
    'DuplicateObjectError',
    'HelloNodeApp',
    'HelloNodeSettings',
    'ImagePullPolicy',
    'LabeledService',
    'LogFile',
    'PodSecurity',
    'Probe',
    'Profile',
    'Protocol',
    'ServiceType',
    'ValidationError',
    'Workload',
    'gcp',
    'gke',
    'k8s',
    'synthApp',
  ]);
});
