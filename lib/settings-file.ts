/**
 * The project's settings file, `hello-node.yaml` at the project root: every setting's
 * value for every environment, kept in the repository as Helm's values files and
 * Skaffold's profiles are, so that nothing of what production runs with lives only in
 * someone's shell.
 *
 * Its keys are the settings' long flags without `--` (`replicas`, `max-replicas`); the
 * top level holds every environment's values, and `environments:` one map per
 * environment, whose values win over the top level's. An empty value (`domain:`,
 * `domain: ~`, `domain: ""`) in an environment unsets what the top level set; a merge
 * key (`<<: *base`) takes another map's settings under the map's own. Settings are read
 * from the flag, then the variable, then the environment's section, then the top
 * level, then the default ({@link settingsLookup}); the highest of them that sizes the
 * workload decides between a fixed count and autoscaling.
 *
 * The file is read as YAML's failsafe schema, every value as the text written, so that
 * `tag: 1.10` stays `1.10` and each value is checked by the same rule, in the same
 * words, as its variable.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { closest, distance } from 'fastest-levenshtein';
import { Alias, isMap, isScalar, isSeq, LineCounter, Node, parseDocument, Scalar, YAMLMap } from 'yaml';
import { checkDns1123Label, ValidationError } from './internal';
import { LibraryError } from './validation';
import { fromEnv, RawSetting, SETTING_NAMES, SettingLookup, SettingName, SETTINGS } from './settings';

/** The settings file's name, at the project root. */
export const SETTINGS_FILE = 'hello-node.yaml';

/** The variable that picks an environment of the settings file, as the `--env` flag does. */
export const ENVIRONMENT_VARIABLE = 'HELLO_NODE_ENV';

/** The key of the file's map of environments. */
const ENVIRONMENTS_KEY = 'environments';

/** A setting's key in the file: its long flag without `--`. */
export const fileKeyOf = (name: SettingName): string => SETTINGS[name].flag.slice(2);

const SETTING_BY_KEY: ReadonlyMap<string, SettingName> = new Map(SETTING_NAMES.map((name) => [fileKeyOf(name), name]));

/** A value of the file: its text, or `undefined` where it was left empty to unset the top level's. */
interface FileValue {
  readonly value: string | undefined;
  /** Its line, from 1. */
  readonly line: number;
  /** Whether it came through a merge key (`<<: *base`): under the map's own values. */
  readonly merged?: boolean;
}

/** A map of settings: the top level's, or one environment's. */
type Section = ReadonlyMap<SettingName, FileValue>;

/** One environment of the file. */
export interface FileEnvironment {
  /** The line of its name, from 1. */
  readonly line: number;
  readonly settings: Section;
}

/** The settings file, read and checked. */
export interface SettingsFile {
  /** Its path, as messages name it (relative to the project root). */
  readonly path: string;
  /** Every environment's values. */
  readonly top: Section;
  /** The environments, in the file's order. */
  readonly environments: ReadonlyMap<string, FileEnvironment>;
}

/**
 * A settings file that cannot be read as one, in one line: `hello-node.yaml:4: unknown
 * setting "replica" (did you mean "replicas"?)`. Nothing has been done when it is thrown.
 */
export class SettingsFileError extends LibraryError {
  constructor(file: string, line: number | undefined, problem: string) {
    super(`${file}${line === undefined ? '' : `:${line}`}: ${problem}`);
    this.name = 'SettingsFileError';
  }
}

/** What a YAML node is, in words, for an error about a value of the wrong shape. */
const shapeOf = (node: unknown): string => (isMap(node) ? 'a map' : isSeq(node) ? 'a list' : 'a value');

/**
 * Reads `hello-node.yaml` at the project root, when there is one.
 *
 * @throws SettingsFileError for a file that is not YAML, not a map, has an unknown or
 *   duplicate key, a value that is not one value, or two environments that would share
 *   a release (one namespace through one kubectl context)
 */
export function readSettingsFile(projectRoot: string): SettingsFile | undefined {
  const file = SETTINGS_FILE;
  const text = readText(projectRoot, file);
  if (text === undefined) {
    return undefined;
  }
  const lines = new LineCounter();
  // failsafe: every scalar is the text written; unique keys and merge keys are handled below, naming the line
  const doc = parseDocument(text, { schema: 'failsafe', lineCounter: lines, uniqueKeys: false, prettyErrors: false });
  const lineOf = (node: unknown): number | undefined => {
    const range = (node as Node | null | undefined)?.range;
    return range ? lines.linePos(range[0]).line : undefined;
  };
  const syntax = doc.errors[0];
  if (syntax) {
    const problem = syntax.code === 'MULTIPLE_DOCS' ? 'holds a second YAML document (after ---): the settings are one map' : `is not YAML: ${syntax.message.split(' at line ')[0].split('\n')[0]}`;
    throw new SettingsFileError(file, lines.linePos(syntax.pos[0]).line, problem);
  }
  // an alias stands for the node its anchor names (`&base` … `*base`); one that names none is an error, not an empty value
  const resolved = (node: unknown): unknown => {
    if (!(node instanceof Alias)) {
      return node;
    }
    const target = node.resolve(doc);
    if (target === undefined) {
      throw new SettingsFileError(file, lineOf(node), `alias *${node.source} names no anchor (&${node.source}) written before it`);
    }
    return target;
  };
  const root = resolved(doc.contents);
  if (root === null || isEmpty(root)) {
    // empty, or comments only
    return { path: file, top: new Map(), environments: new Map() };
  }
  if (!isMap(root)) {
    throw new SettingsFileError(file, lineOf(root), `must be a map of settings (key: value), not ${shapeOf(root)}`);
  }

  interface Entry { readonly key: string; readonly line: number | undefined; readonly value: unknown; readonly merged?: boolean }
  /**
   * The keys of a map, each once, with their lines; a merge key (`<<: *base`, or
   * `!!merge <<`) adds the keys of the map it names that the map does not set itself, as
   * YAML's merge does, marked as merged.
   *
   * @param merging the maps being merged into this one, which a merge key may not name again
   */
  const entries = (map: YAMLMap, what: string, merging: readonly YAMLMap[] = []): Entry[] => {
    const seen = new Map<string, number | undefined>();
    const own: Entry[] = [];
    const merged: Entry[] = [];
    for (const pair of map.items) {
      // the line of the key as written, even when it is an alias
      const line = lineOf(pair.key);
      const keyNode = resolved(pair.key);
      if (!isScalar(keyNode)) {
        throw new SettingsFileError(file, line, `${what} keys must be names, not ${shapeOf(keyNode)}`);
      }
      if (typeof keyNode.value === 'symbol' || (keyNode.value === '<<' && keyNode.type === Scalar.PLAIN)) {
        const sources = resolved(pair.value);
        const maps = isSeq(sources) ? sources.items.map(resolved) : [sources];
        for (const source of maps) {
          if (!isMap(source)) {
            throw new SettingsFileError(file, line, `a merge key (<<) takes a map or a list of maps, not ${shapeOf(source)}`);
          }
          if (source === map || merging.includes(source)) {
            throw new SettingsFileError(file, line, 'a merge key (<<) names the map it is in');
          }
          merged.push(...entries(source, what, [...merging, map]).map((entry) => ({ ...entry, merged: true })));
        }
        continue;
      }
      const key = String(keyNode.value);
      if (seen.has(key)) {
        throw new SettingsFileError(file, line, `duplicate ${what} "${key}" (first at line ${seen.get(key)})`);
      }
      seen.set(key, line);
      own.push({ key, line, value: resolved(pair.value) });
    }
    // the map's own keys win, then the first merged map that has the key
    const mergedOnce = merged.filter((entry, i) => !seen.has(entry.key) && merged.findIndex((e) => e.key === entry.key) === i);
    return [...own, ...mergedOnce];
  };

  /** A map of settings, with no `environments` of its own unless `top`. */
  const section = (map: YAMLMap, top: boolean): { settings: Section; environments?: Entry } => {
    const settings = new Map<SettingName, FileValue>();
    let environments;
    for (const entry of entries(map, 'setting')) {
      if (entry.key === ENVIRONMENTS_KEY) {
        if (!top) {
          throw new SettingsFileError(file, entry.line, `"${ENVIRONMENTS_KEY}" belongs at the top level, not inside an environment`);
        }
        environments = entry;
        continue;
      }
      const name = SETTING_BY_KEY.get(entry.key);
      if (name === undefined) {
        throw new SettingsFileError(file, entry.line, `unknown setting "${entry.key}" (${hintFor(entry.key)})`);
      }
      settings.set(name, { value: valueOf(entry.key, entry.value, entry.line), line: entry.line ?? 0, merged: entry.merged });
    }
    return { settings, environments };
  };

  const valueOf = (key: string, node: unknown, line: number | undefined): string | undefined => {
    if (node === null || node === undefined || isEmpty(node)) {
      return undefined;
    }
    if (!isScalar(node)) {
      throw new SettingsFileError(file, lineOf(node) ?? line, `setting "${key}" must be one value, not ${shapeOf(node)}`);
    }
    // an empty text unsets, as an empty variable does
    return String(node.value) === '' ? undefined : String(node.value);
  };

  const { settings: top, environments: environmentsEntry } = section(root, true);
  const environments = new Map<string, FileEnvironment>();
  const map = environmentsEntry?.value;
  if (environmentsEntry !== undefined && map !== null && !isEmpty(map)) {
    if (!isMap(map)) {
      throw new SettingsFileError(file, environmentsEntry.line, `"${ENVIRONMENTS_KEY}" must be a map of environments (name: settings), not ${shapeOf(map)}`);
    }
    for (const entry of entries(map, 'environment')) {
      try {
        checkDns1123Label('environment name', entry.key);
      } catch (err) {
        throw err instanceof ValidationError ? new SettingsFileError(file, entry.line, `environment name "${entry.key}" is invalid: ${err.rule}`) : err;
      }
      // an empty section takes the top level as it is
      const empty = entry.value === null || isEmpty(entry.value);
      if (!empty && !isMap(entry.value)) {
        throw new SettingsFileError(file, entry.line, `environment "${entry.key}" must be a map of settings (key: value), not ${shapeOf(entry.value)}`);
      }
      environments.set(entry.key, { line: entry.line ?? 0, settings: empty ? new Map() : section(entry.value as YAMLMap, false).settings });
    }
  }
  const read: SettingsFile = { path: file, top, environments };
  checkApart(read);
  return read;
}

/** A plain empty value, `~` or `null`: YAML's null, which the failsafe schema reads as text. */
const isEmpty = (node: unknown): boolean => isScalar(node) && node.type === Scalar.PLAIN && ['', '~', 'null', 'Null', 'NULL'].includes(String(node.value));

/**
 * The file's text, as UTF-8; undefined when there is no file.
 *
 * @throws SettingsFileError for a file that cannot be read (a directory, a symlink to
 *   nothing, no permission) or is not UTF-8
 */
function readText(projectRoot: string, file: string): string | undefined {
  const at = path.join(projectRoot, file);
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(at);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      // a symlink to nothing is a file meant to be there
      const link = fs.lstatSync(at, { throwIfNoEntry: false })?.isSymbolicLink() ? fs.readlinkSync(at) : undefined;
      if (link === undefined) {
        return undefined;
      }
      throw new SettingsFileError(file, undefined, `cannot be read: it is a symlink to ${link}, which does not exist`);
    }
    throw new SettingsFileError(file, undefined, `cannot be read (${code ?? (err as Error).message})`);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new SettingsFileError(file, undefined, 'is not UTF-8 text');
  }
}

/** What an unknown key may have meant: the nearest setting's key, when one is near, or the variable's key. */
function hintFor(key: string): string {
  const byVariable = (SETTING_NAMES as readonly string[]).includes(key) ? fileKeyOf(key as SettingName) : undefined;
  if (byVariable !== undefined) {
    return `the key of ${key} is "${byVariable}"`;
  }
  const near = nearest(key, [...SETTING_BY_KEY.keys(), ENVIRONMENTS_KEY]);
  return near === undefined ? 'the keys are the settings\' flags without --: docs/user-guide.md, "Configuration"' : `did you mean "${near}"?`;
}

/**
 * The candidate `word` stands for: the one it abbreviates (`prod`), else the nearest
 * when it is a typo away (at most 2 edits, or a third of the candidate's length).
 */
function nearest(word: string, candidates: readonly string[]): string | undefined {
  if (candidates.length === 0) {
    return undefined;
  }
  const abbreviated = candidates.filter((candidate) => word.length >= 2 && candidate.startsWith(word));
  if (abbreviated.length === 1) {
    return abbreviated[0];
  }
  const near = closest(word, [...candidates]);
  return distance(word, near) <= Math.max(2, Math.ceil(near.length / 3)) ? near : undefined;
}

/**
 * Each environment is its own release: its own namespace or kubectl context, and so
 * its own lease, ApplySet and history. Two that would deploy to one namespace through
 * one context would each prune the other's objects and write one history.
 */
function checkApart(file: SettingsFile): void {
  const seen = new Map<string, string>();
  for (const [name, environment] of file.environments) {
    const where = (['HELLO_NODE_CONTEXT', 'HELLO_NODE_NAMESPACE'] as const).map((setting) => fileSetting(file, name, setting)?.value);
    const key = JSON.stringify(where);
    const other = seen.get(key);
    if (other !== undefined) {
      const [context, namespace] = where;
      throw new SettingsFileError(file.path, environment.line, `environments "${other}" and "${name}" would deploy to ${namespace === undefined ? 'the context\'s namespace' : `namespace "${namespace}"`} through ${context === undefined ? 'kubectl\'s current context' : `context "${context}"`}, as one release: give each its own "namespace" or "context"`);
    }
    seen.set(key, name);
  }
}

/** A setting's value in the file for `environment` (its section, then the top level), with its line. */
function fileSetting(file: SettingsFile, environment: string | undefined, name: SettingName): FileValue | undefined {
  return (environment === undefined ? undefined : file.environments.get(environment)?.settings.get(name)) ?? file.top.get(name);
}

/** The line of the file that leaves a setting unset for `environment` (`domain:` in its section), when one does. */
export function unsetAt(file: SettingsFile | undefined, environment: string | undefined, name: SettingName): number | undefined {
  const found = file && fileSetting(file, environment, name);
  return found !== undefined && found.value === undefined ? found.line : undefined;
}

/**
 * The environment `chosen` names (the `--env` flag, or HELLO_NODE_ENV), checked
 * against the file; `undefined` when none is chosen.
 *
 * @param unlike an environment `chosen` is known not to be (promote's target), never suggested for it
 * @throws ValidationError naming the flag or variable when the file has no such environment
 */
export function checkEnvironment(file: SettingsFile | undefined, chosen: RawSetting | undefined, unlike?: string): string | undefined {
  if (chosen === undefined) {
    return undefined;
  }
  const names = [...file?.environments.keys() ?? []];
  if (file === undefined) {
    throw new ValidationError(chosen.source, chosen.value, `names an environment of ${SETTINGS_FILE}, and the project has none (${SETTINGS_FILE} at the project root defines them)`);
  }
  if (!names.includes(chosen.value)) {
    const near = nearest(chosen.value, names.filter((name) => name !== unlike));
    const defined = names.length === 0 ? `${file.path} defines none (under "${ENVIRONMENTS_KEY}:")` : `${file.path} defines ${names.map((n) => `"${n}"`).join(', ')}${near === undefined ? '' : `; did you mean "${near}"?`}`;
    throw new ValidationError(chosen.source, chosen.value, `must be an environment of ${file.path}: ${defined}`);
  }
  return chosen.value;
}

/**
 * One source of settings: a value, `null` where it unsets the setting (`domain:` in a
 * section: no lower source gives it), or undefined where it says nothing of it.
 */
type Layer = (name: SettingName) => RawSetting | null | undefined;

/** A map of the file as two layers: its own values, then those a merge key gave it. */
const layersOf = (file: SettingsFile, section: Section | undefined): Layer[] => [false, true].map((merged) => (name) => {
  const found = section?.get(name);
  return found === undefined || (found.merged ?? false) !== merged ? undefined
    : found.value === undefined ? null
      : { value: found.value, source: `${file.path}:${found.line} ${fileKeyOf(name)}`, origin: `${file.path}:${found.line}` };
});

/** The settings that size the workload: a fixed count, or the autoscaler's fields. */
const COUNT: SettingName = 'HELLO_NODE_REPLICAS';
const AUTOSCALING = SETTING_NAMES.filter((name) => 'prop' in SETTINGS[name] && (SETTINGS[name] as { readonly prop: string }).prop === 'autoscaling');
/** The autoscaler's field without which it is none. */
const MAX: SettingName = 'HELLO_NODE_MAX_REPLICAS';

/**
 * The settings of `layers`, highest first: each setting from the first that says
 * something of it (a value, or `null`: unset). A fixed count and autoscaling exclude
 * each other, so whichever is set in the higher layer wins and the other is dropped: a
 * section's `max-replicas` drops the top level's `replicas`, `--replicas` a file's
 * autoscaling; set in one layer, both go on, to be refused together. A layer that
 * unsets `max-replicas` unsets the autoscaler: its other fields from lower layers go too.
 */
function resolved(layers: readonly Layer[]): SettingLookup {
  const found = (name: SettingName): { value: RawSetting | null; at: number } | undefined => {
    for (const [at, layer] of layers.entries()) {
      const value = layer(name);
      if (value !== undefined) {
        return { value, at };
      }
    }
    return undefined;
  };
  /** The layer of a setting's value; past every layer when it has none. */
  const layerOf = (name: SettingName) => {
    const where = found(name);
    return where !== undefined && where.value !== null ? where.at : layers.length;
  };
  return (name) => {
    const own = found(name);
    if (name !== COUNT && !AUTOSCALING.includes(name)) {
      return own?.value ?? undefined;
    }
    const countAt = layerOf(COUNT);
    const autoscalingAt = Math.min(...AUTOSCALING.map(layerOf));
    if (name === COUNT) {
      return countAt <= autoscalingAt ? own?.value ?? undefined : undefined;
    }
    const max = found(MAX);
    const unsetAbove = max !== undefined && max.value === null && own !== undefined && own.at > max.at;
    return countAt < autoscalingAt || unsetAbove ? undefined : own?.value ?? undefined;
  };
}

/** The file's layers for `environment` (its section, then the top level), or the top level alone. */
const fileLayers = (file: SettingsFile | undefined, environment: string | undefined): Layer[] =>
  (file === undefined ? [] : [...layersOf(file, environment === undefined ? undefined : file.environments.get(environment)?.settings), ...layersOf(file, file.top)]);

/** Reads settings from the file, for `environment` (its section, then the top level) or (none) its top level alone. */
export function fromFile(file: SettingsFile | undefined, environment: string | undefined): SettingLookup {
  return resolved(fileLayers(file, environment));
}

/** The settings of a project, and the environment they are for. */
export interface ProjectSettings {
  /** The settings file, when the project has one. */
  readonly file?: SettingsFile;
  /** The environment chosen, when one is. */
  readonly environment?: string;
  /** Where the environment was chosen: `flag --env`, or `environment variable HELLO_NODE_ENV`. */
  readonly environmentSource?: string;
  readonly lookup: SettingLookup;
}

/**
 * The settings of the project at `projectRoot`, highest first: `flags` (the CLI's),
 * the variables of `env`, the chosen environment's section of the settings file, its
 * top level (then each setting's default, which its reader gives). The environment is
 * `environmentFlag`'s, else HELLO_NODE_ENV's.
 *
 * @throws SettingsFileError for a bad file; ValidationError for an environment it does not define
 */
export function settingsLookup(projectRoot: string, env: Readonly<Record<string, string | undefined>>, flags: SettingLookup = () => undefined, environmentFlag?: string): ProjectSettings {
  const file = readSettingsFile(projectRoot);
  const variable = env[ENVIRONMENT_VARIABLE];
  const chosen = environmentFlag !== undefined
    ? { value: environmentFlag, source: 'flag --env' }
    : variable ? { value: variable, source: `environment variable ${ENVIRONMENT_VARIABLE}` } : undefined;
  const environment = checkEnvironment(file, chosen);
  return { file, environment, environmentSource: chosen?.source, lookup: resolved([flags, fromEnv(env), ...fileLayers(file, environment)]) };
}
