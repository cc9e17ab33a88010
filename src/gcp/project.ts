/**
 * Which Google Cloud project the CLI acts on. The tutorial's own project
 * (`terrycho-sandbox`) names the image in the tutorial's manifests, and so stays the
 * synth's default; but a command that creates, changes or deletes cloud resources, or
 * pushes an image, acts only on a project the user chose: `--project` or GCP_PROJECT,
 * else the project gcloud is configured with (`gcloud config set project …`), as
 * gcloud's own commands do. Without either it refuses.
 */
import { SettingLookup } from '../../lib/settings';
import { Runner } from '../exec/tools';
import { CliError } from '../exec/errors';

/** What a user does to choose a project. */
const CHOOSE = 'choose one with --project or GCP_PROJECT, or `gcloud config set project PROJECT_ID`';

/** No project was chosen for a command that acts on Google Cloud. */
export class NoProjectError extends CliError {
  constructor(what: string) {
    super(`no Google Cloud project chosen for ${what}: ${CHOOSE}`);
  }
}

/**
 * `lookup`, with GCP_PROJECT read from gcloud's configuration (`gcloud config get-value
 * project`, which reads local files only, and so runs under --dry-run too) when neither
 * `--project` nor GCP_PROJECT names one.
 *
 * @param what the command's purpose, for the error (`the image`, `the cluster`)
 * @param required whether to refuse (NoProjectError) when no project is found; otherwise
 *   the lookup is returned as it was, and the tutorial's project stays the default
 */
export async function withChosenProject(lookup: SettingLookup, runner: Runner, what: string, required: boolean): Promise<SettingLookup> {
  if (lookup('GCP_PROJECT')) {
    return lookup;
  }
  let configured = '';
  try {
    // explained: its "(unset)" on stderr is this module's to say
    configured = (await runner.inspect({ tool: 'gcloud', args: ['config', 'get-value', 'project'], explained: true })).stdout.trim();
  } catch (err) {
    // where a project is only a default (deploy's image), gcloud is not needed
    if (required) {
      throw err;
    }
  }
  // gcloud prints "(unset)" on stderr and nothing on stdout; older releases printed it on stdout
  if (configured === '' || configured === '(unset)') {
    if (required) {
      throw new NoProjectError(what);
    }
    runner.say(`# no Google Cloud project chosen: ${what} keeps the tutorial's project, as the synth does (${CHOOSE})`);
    return lookup;
  }
  runner.say(`# project ${configured}: gcloud's configured project (${CHOOSE.replace('choose one', 'choose another')})`);
  return (name) => (name === 'GCP_PROJECT' ? { value: configured, source: 'gcloud\'s configured project (gcloud config get-value project)' } : lookup(name));
}
