/**
 * Promotion: what one environment runs, deployed to another. The image is built and
 * pushed once and moves on by its digest, as Cloud Deploy's `promote` and Argo CD's
 * image pinning move it; everything else is the target environment's own settings.
 * The source is read from its release history (history.ts): the revision it runs, and
 * the images its workloads were deployed with.
 */
import { appApplySet, AppRef } from '../kube/applyset';
import { CliError } from '../exec/errors';
import { Runner } from '../exec/tools';
import { listRevisions } from './history';

/** What the target's history records of a promotion: `promoted from staging revision 4`. */
const described = (from: string, revision: number) => `promoted from ${from} revision ${revision}`;

/** The environment a revision was promoted from, by its description; undefined for one a promotion did not write. */
export const promotedFrom = (description: string): string | undefined => /^promoted from (\S+) revision \d+$/.exec(description)?.[1];

/** An image reference pinned to one image: `<name>@sha256:<64 hex digits>`. */
const DIGEST_PINNED = /@sha256:[0-9a-f]{64}$/;

/** The image a promotion deploys, and where it comes from. */
export interface Promotion {
  readonly image: string;
  /** The source environment's revision that runs it. */
  readonly revision: number;
  /** What the target's history records: `promoted from staging revision 4`. */
  readonly description: string;
}

/**
 * The image that environment `from`'s app runs: the image of its newest revision, which
 * must have been deployed (rolled out and seen ready) and pin one image by digest.
 *
 * @param app the app in the source environment's namespace
 * @param runner a runner in the source environment's kubectl context
 * @throws CliError when it has no history, its newest revision did not deploy (failed,
 *   pending, or applied without waiting), or its image is not one digest-pinned image
 */
export async function promotion(app: AppRef, runner: Runner, from: string): Promise<Promotion> {
  const { applySet } = await appApplySet(app, runner);
  const revisions = await listRevisions(runner, applySet);
  const refuse = (why: string) => new CliError(`cannot promote from ${from}: ${why}`);
  if (runner.dryRun) {
    // nothing was read: the commands show what would be deployed
    return { image: `<the image of ${from}'s current revision>`, revision: 0, description: `promoted from ${from}` };
  }
  const newest = revisions[revisions.length - 1];
  if (newest === undefined) {
    throw refuse(`it has no release history in namespace ${applySet.namespace} (\`hello-node --env ${from} deploy\` records the first revision)`);
  }
  const where = `${from}'s revision ${newest.number}`;
  if (newest.status !== 'deployed') {
    const state = {
      failed: `failed${newest.failure ? ` (${newest.failure})` : ''}; promote what ${from} runs once a deploy there has finished (\`hello-node --env ${from} status\`)`,
      pending: `is still pending: a deploy or rollback is under way, or was interrupted; promote what ${from} runs once it has finished (\`hello-node --env ${from} status\`)`,
      // only a deploy that waited knows its pods ran the image: deploying again without --no-wait does
      applied: `was applied without waiting (--no-wait), so no deploy saw its pods ready: deploy ${from} again, waiting (\`hello-node --env ${from} deploy\`), then promote`,
    }[newest.status];
    throw refuse(`${where} ${state}`);
  }
  if (newest.images.length !== 1) {
    throw refuse(`${where} runs ${newest.images.length === 0 ? 'no image' : `${newest.images.length} images (${newest.images.join(', ')})`}; promote moves one`);
  }
  const [image] = newest.images;
  if (!DIGEST_PINNED.test(image)) {
    throw refuse(`${where} runs ${image}, a tag, not a digest: a tag can name another image by the time it reaches production. Deploy ${from} by digest (\`hello-node --env ${from} up\` does), then promote`);
  }
  return { image, revision: newest.number, description: described(from, newest.number) };
}
