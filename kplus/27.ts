/**
 * HelloNodeApp's views for cdk8s-plus-27: `import { appPods, appBackend, appPort } from
 * 'hello-node-cdk8s/kplus-27'` (kplus/views.ts says what each is).
 */
import * as plus from 'cdk8s-plus-27';
import { viewsOf } from './views';

export const { appPods, appBackend, appPort } = viewsOf(plus, 27);
