/**
 * The Kubernetes controller that keeps the app's pods running. Both keep `replicas`
 * pods of one template alive; they differ in what happens when the template changes.
 */
export enum Workload {
  /**
   * The reference workflow's legacy controller: a changed template applies only to
   * pods created afterwards, so the running pods keep the old one until they are
   * replaced (kubectl has had no rollout for it since 1.18; `hello-node deploy` does it).
   */
  REPLICATION_CONTROLLER = 'ReplicationController',
  /**
   * apps/v1 Deployment: a changed template is rolled out by replacing pods a few at a
   * time, with a rollout history to undo to.
   */
  DEPLOYMENT = 'Deployment',
}
