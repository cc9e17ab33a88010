/**
 * HelloNodeApp's views for cdk8s-plus-33: `import { appPods, appBackend, appPort } from
 * 'hello-node-cdk8s/kplus-33'` (kplus/views.ts says what each is).
 */
import * as plus from 'cdk8s-plus-33';
import { viewsOf } from './views';

export const { appPods, appBackend, appPort } = viewsOf(plus, 33);
