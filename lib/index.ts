export * from './hello-node-app';
export * from './labeled-service';
export { ValidationError } from './validation';
