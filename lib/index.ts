export * from './hello-node-app';
export * from './hello-node-props';
export * from './labeled-service';
export * from './profile';
export * from './server-contract';
export * from './service-type';
export * from './workload';
export { DuplicateObjectError, ensureUniqueObjects } from './unique-objects';
export { ValidationError } from './validation';
