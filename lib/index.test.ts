import * as api from '.';

test('the public API holds the constructs, the types their props take, the enums, the errors and the imported API, nothing else', () => {
  expect(Object.keys(api).sort()).toEqual([
    'DuplicateObjectError',
    'HelloNodeApp',
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
  ]);
});
