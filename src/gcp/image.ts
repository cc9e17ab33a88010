/**
 * The image's steps of the reference workflow: docker builds it from the project's
 * Dockerfile directory and pushes it, after gcloud has made sure of its Artifact Registry
 * repository and logged docker in to Google's registry.
 */
import { ValidationError } from '../../lib/internal';
import { ImageSettings, isGoogleRegistry, Platform } from '../../lib/settings';
import { commandLine, Runner, ToolCommand, ToolFailedError } from '../exec/tools';
import { CliError } from '../exec/errors';

/**
 * Checks that the image can be built and pushed under its name: a tag, not a digest,
 * and for a Google registry, a whole repository path.
 *
 * @returns its Artifact Registry repository, for a Google registry
 * @throws ValidationError naming the setting the image came from
 */
export function checkPushable(settings: ImageSettings): ArtifactRepository | undefined {
  if (settings.image.includes('@')) {
    throw new ValidationError(settings.imageSource, settings.image, 'is a digest reference, which names an image already in a registry: a build or push needs a tag (set IMAGE_TAG, or a HELLO_NODE_IMAGE without @sha256:…)');
  }
  return artifactRepositoryOf(settings.image, settings.imageSource);
}

/** Builds the image for the nodes' platform (settings.ts, loadPlatform), whatever this machine's is. */
export async function imageBuild(settings: ImageSettings, platform: Platform, buildDir: string, runner: Runner): Promise<void> {
  checkPushable(settings);
  await runner.run({ tool: 'docker', args: ['build', '--platform', platform, '-t', settings.image, buildDir] });
}

const DIGEST = /digest: (sha256:[0-9a-f]{64})/;

/** An Artifact Registry repository: where a Google registry host keeps an image. */
export interface ArtifactRepository {
  readonly host: string;
  readonly project: string;
  readonly location: string;
  readonly repository: string;
}

/**
 * Container Registry's hosts and the Artifact Registry location of the repository named
 * after each, which serves that host since Container Registry stopped taking pushes
 * (2025-03-18; cloud.google.com/artifact-registry/docs/transition/gcr-repositories).
 */
const GCR_LOCATIONS: Readonly<Record<string, string>> = { 'gcr.io': 'us', 'us.gcr.io': 'us', 'eu.gcr.io': 'europe', 'asia.gcr.io': 'asia' };

/**
 * The Artifact Registry repository that holds `image`: for `<host>/<project>/…` on a
 * gcr.io host, the repository named after the host; for
 * `<location>-docker.pkg.dev/<project>/<repository>/…`, that one. Undefined for other
 * registries.
 */
export function artifactRepositoryOf(image: string, source: string): ArtifactRepository | undefined {
  const path = image.split(/[@]/)[0].split('/');
  const [host, project, repository] = path;
  const gcrLocation = GCR_LOCATIONS[host];
  const pkgDev = /^([a-z0-9-]+)-docker\.pkg\.dev$/.exec(host);
  if (gcrLocation === undefined && !pkgDev) {
    return undefined;
  }
  // <host>/<project>/<name>, or <host>/<project>/<repository>/<name>: never a name or tag taken for a project or repository
  const parts = gcrLocation === undefined ? 4 : 3;
  if (path.length < parts || path.slice(1, parts - 1).some((part) => part.includes(':'))) {
    throw new ValidationError(source, image, gcrLocation === undefined
      ? `must be <location>-docker.pkg.dev/<project>/<repository>/<name>[:tag] on Artifact Registry`
      : `must be ${host}/<project>/<name>[:tag] on ${host}`);
  }
  return gcrLocation === undefined ? { host, project, location: pkgDev?.[1] ?? '', repository } : { host, project, location: gcrLocation, repository: host };
}

const repositoryFlags = (repo: ArtifactRepository) => [`--location=${repo.location}`, `--project=${repo.project}`];
const createRepository = (repo: ArtifactRepository) => ({
  tool: 'gcloud' as const,
  args: ['artifacts', 'repositories', 'create', repo.repository, '--repository-format=docker', ...repositoryFlags(repo)],
});

/** Enables the Artifact Registry API in `project`, which a project that never used it lacks. */
export const enableArtifactRegistry = (project: string): ToolCommand => ({ tool: 'gcloud', args: ['services', 'enable', 'artifactregistry.googleapis.com', `--project=${project}`] });

/** A push the registry refused, explained: the cause and the command that fixes it. */
export class PushDeniedError extends CliError {
  constructor(cause: string, fix: string) {
    super(`${cause}: ${fix}`);
  }
}

/**
 * Makes sure the image's repository exists, creating it when it does not (as `gcloud
 * run deploy --source` does for its own), after enabling the Artifact Registry API on a
 * project that has never used it.
 */
async function ensureRepository(repo: ArtifactRepository, runner: Runner, enabled = false): Promise<void> {
  const describe = { tool: 'gcloud' as const, args: ['artifacts', 'repositories', 'describe', repo.repository, ...repositoryFlags(repo), '--format=value(name)'] };
  const create = createRepository(repo);
  if (runner.dryRun) {
    runner.announce(describe);
    runner.say(`# when ${repo.host}'s repository does not exist yet in project ${repo.project}:`);
    runner.announce(create);
    return;
  }
  try {
    // quiet: its NOT_FOUND is the expected answer on a new project
    await runner.capture({ ...describe, explained: true });
    return;
  } catch (err) {
    if (!(err instanceof ToolFailedError)) {
      throw err;
    }
    const disabledIn = /has not been used in project (\S+)|SERVICE_DISABLED|it is disabled/.exec(err.stderr);
    if (disabledIn) {
      const where = disabledIn[1] ? `project ${disabledIn[1]}` : `project ${repo.project}`;
      if (enabled) {
        // enabling an API takes a while to reach every Google server; or gcloud names another project (a quota project)
        throw new PushDeniedError(`the Artifact Registry API is still reported disabled in ${where}, just after it was enabled in project ${repo.project}`, `push again in a few minutes; if the project named is not ${repo.project}, enable it there (gcloud services enable artifactregistry.googleapis.com --project=…)`);
      }
      runner.say(`# the Artifact Registry API is not enabled in ${where}: enabling it in project ${repo.project}`);
      await runner.run(enableArtifactRegistry(repo.project));
      return ensureRepository(repo, runner, true);
    }
    if (!/NOT_FOUND/.test(err.stderr)) {
      // not allowed to look (the push may still be allowed), or gcloud failed otherwise: the push will tell
      runner.say(`# could not check ${repo.host}'s repository in project ${repo.project} (${firstLine(err.stderr)}): pushing anyway`);
      return;
    }
  }
  runner.say(`# ${repo.host}'s repository ${repo.repository} does not exist in project ${repo.project} (location ${repo.location}): creating it`);
  try {
    await runner.run({ ...create, explained: true });
  } catch (err) {
    if (!(err instanceof ToolFailedError)) {
      throw err;
    }
    // ALREADY_EXISTS: another push made it meanwhile; otherwise the push may still create it (createOnPush) and will tell
    if (!/ALREADY_EXISTS/.test(err.stderr)) {
      runner.say(`# could not create it (${firstLine(err.stderr)}): pushing anyway`);
    }
  }
}

/** gcloud's error, in one line: its first line that says something. */
const firstLine = (stderr: string) => stderr.split('\n').map((l) => l.trim()).find((l) => l !== '') ?? 'no message';

/** docker push's refusals (on its stderr), each with its cause and fix. */
function explainPushDenial(stderr: string, repo: ArtifactRepository | undefined, host: string): PushDeniedError | undefined {
  const where = repo ? `repository ${repo.repository} of project ${repo.project}` : host;
  if (repo && /createOnPush|Repository .* not found|repo does not exist|name unknown/i.test(stderr)) {
    return new PushDeniedError(`${where} does not exist, and the account may not create it`, `ask an owner of the project to run \`${commandLine(['gcloud', ...createRepository(repo).args])}\``);
  }
  if (repo && /uploadArtifacts|denied: Permission "artifactregistry/.test(stderr)) {
    return new PushDeniedError(`the account may not push to ${where}`, `ask an owner of the project for roles/artifactregistry.writer on it (\`gcloud artifacts repositories add-iam-policy-binding ${repo.repository} ${repositoryFlags(repo).join(' ')} --member=user:YOU --role=roles/artifactregistry.writer\`)`);
  }
  if (/unauthorized|authentication required|Unauthenticated|no basic auth credentials|credential helper|gcloud auth login/i.test(stderr)) {
    return new PushDeniedError(`docker is not logged in to ${host}`, `run \`gcloud auth login\`, then push again (${isGoogleRegistry(host) ? `hello-node runs \`gcloud auth configure-docker ${host}\` for you` : `docker login ${host}`})`);
  }
  return undefined;
}

/**
 * Pushes the image and returns the digest the registry gave it (`sha256:…`), read
 * from docker's output; under --dry-run, or from a docker that prints none, undefined. For a Google registry, its
 * Artifact Registry repository is made sure of first, and docker is logged in to that
 * host alone; a refused push is explained (PushDeniedError).
 */
export async function imagePush(settings: ImageSettings, runner: Runner): Promise<string | undefined> {
  const repo = checkPushable(settings);
  if (repo) {
    await ensureRepository(repo, runner);
  }
  if (isGoogleRegistry(settings.imageRegistry)) {
    // idempotent: adds gcloud as docker's credential helper for this host
    await runner.run({ tool: 'gcloud', args: ['auth', 'configure-docker', settings.imageRegistry, '--quiet'] });
  } else {
    runner.say(`# ${settings.imageRegistry} is not a Google registry: log docker in to it yourself (docker login ${settings.imageRegistry})`);
  }
  let pushed;
  try {
    pushed = await runner.run({ tool: 'docker', args: ['push', settings.image], stdoutToStderr: true, explained: true });
  } catch (err) {
    throw (err instanceof ToolFailedError && explainPushDenial(`${err.stderr}`, repo, settings.imageRegistry)) || err;
  }
  if (runner.dryRun) {
    return undefined;
  }
  const digest = DIGEST.exec(pushed.stdout)?.[1];
  if (!digest) {
    // podman standing in for docker prints none: the push itself succeeded
    runner.say(`# docker push printed no digest ("digest: sha256:…"): ${settings.image} is known by its tag alone`);
    return undefined;
  }
  runner.say(`pushed ${settings.image} as ${digest}`);
  return digest;
}
