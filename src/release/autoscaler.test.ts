import { autoscalerOf, boundsOf, clampToBounds } from './autoscaler';
import { KubeObject } from '../kube/cluster-state';
import { autoscalerLine } from '../commands/status';

const rc: KubeObject = { apiVersion: 'v1', kind: 'ReplicationController', metadata: { name: 'web-rc' } };
const hpa = (spec: KubeObject['spec'], status?: KubeObject['status']): KubeObject => ({
  apiVersion: 'autoscaling/v2',
  kind: 'HorizontalPodAutoscaler',
  metadata: { name: 'web-hpa' },
  spec: { scaleTargetRef: { apiVersion: 'v1', kind: 'ReplicationController', name: 'web-rc' }, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { averageUtilization: 70 } } }], ...spec },
  status,
});

test('the autoscaler of a workload is the one whose scaleTargetRef names its kind and name', () => {
  const other = { ...hpa({}), spec: { scaleTargetRef: { kind: 'Deployment', name: 'web-rc' } } };
  expect(autoscalerOf(rc, [other, hpa({ maxReplicas: 5 })])?.spec?.maxReplicas).toBe(5);
  expect(autoscalerOf(rc, [other])).toBeUndefined();
});

test('a count is brought within the bounds, minReplicas defaulting to 1 as the API server defaults it', () => {
  const bounded = hpa({ minReplicas: 2, maxReplicas: 5 });
  expect([0, 2, 4, 5, 9].map((n) => clampToBounds(n, bounded))).toEqual([2, 2, 4, 5, 5]);
  expect(boundsOf(hpa({ maxReplicas: 5 }))).toEqual({ min: 1, max: 5 });
});

describe('status\'s line for an autoscaler', () => {
  test('names what it sizes, its bounds, its counts and the CPU use it read against its target', () => {
    expect(autoscalerLine('horizontalpodautoscaler/web-hpa', hpa({ minReplicas: 2, maxReplicas: 5 }, {
      currentReplicas: 3, desiredReplicas: 4, currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 93 } } }],
    }))).toBe('horizontalpodautoscaler/web-hpa: sizes replicationcontroller/web-rc from 2 to 5 pods: 3 current, 4 desired, CPU 93% of the request (target 70%)');
  });

  test('without metrics, says why it does not scale by them instead of a desired count of 0', () => {
    expect(autoscalerLine('horizontalpodautoscaler/web-hpa', hpa({ maxReplicas: 5 }, {
      currentReplicas: 3, desiredReplicas: 0, conditions: [{ type: 'ScalingActive', status: 'False', reason: 'FailedGetResourceMetric' }],
    }))).toBe('horizontalpodautoscaler/web-hpa: sizes replicationcontroller/web-rc from 1 to 5 pods: 3 current, target CPU 70% of the request; not scaling by its metrics: FailedGetResourceMetric');
  });

  test('before the controller\'s first look, says so', () => {
    expect(autoscalerLine('horizontalpodautoscaler/web-hpa', hpa({ maxReplicas: 5 }))).toBe('horizontalpodautoscaler/web-hpa: sizes replicationcontroller/web-rc from 1 to 5 pods: no count yet, target CPU 70% of the request');
  });
});
