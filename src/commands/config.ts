/**
 * `hello-node config`: the settings of the chosen environment as every command
 * resolves them, each with where it came from (`git config --show-origin`'s idea), so
 * that which file line, variable or flag decides a value is never a guess.
 */
import { fileKeyOf, ProjectSettings, SETTINGS_FILE, unsetAt } from '../../lib/settings-file';
import {
  isPropSetting,
  loadAppSettings,
  loadClusterSettings,
  loadMachineType,
  loadPlatform,
  SETTING_NAMES,
  SETTINGS,
  SettingName,
  unsetMeaning,
} from '../../lib/settings';
import { Runner } from '../exec/tools';

/** One setting, as `config --json` prints it. */
export interface ResolvedSetting {
  /** Its environment variable. */
  readonly variable: SettingName;
  /** Its flag. */
  readonly flag: string;
  /** Its value; `null` when it is unset and has no value of its own (see `unset`). */
  readonly value: string | null;
  /** `flag`, `variable NAME`, `hello-node.yaml:LINE` (also for a line that unsets it), or `default`. */
  readonly origin: string;
  /** What it being unset means, when it has no value: `none`, or whose value stands. */
  readonly unset?: string;
}

/** What `config --json` prints. */
export interface ResolvedConfig {
  /** The environment chosen, or `null` for the file's top level alone. */
  readonly environment: string | null;
  /** Where it was chosen: `flag --env` or `environment variable HELLO_NODE_ENV`. */
  readonly environmentSource: string | null;
  /** The settings file, when the project has one. */
  readonly file: string | null;
  /** The environments it defines. */
  readonly environments: readonly string[];
  /** Every setting, by its key in the file. */
  readonly settings: { readonly [key: string]: ResolvedSetting };
}

/** A setting's value and origin: set by a flag, a variable or the file, else its default. */
function resolve(project: ProjectSettings, name: SettingName): ResolvedSetting {
  const base = { variable: name, flag: SETTINGS[name].flag };
  const raw = project.lookup(name);
  if (raw !== undefined) {
    return { ...base, value: raw.value, origin: raw.origin ?? raw.source };
  }
  const meaning = unsetMeaning(name);
  const spec = SETTINGS[name];
  // a line that unsets it (`domain:` in the environment's section) decides it, as a value would
  const unsetLine = unsetAt(project.file, project.environment, name);
  const origin = unsetLine === undefined ? 'default' : `${project.file?.path}:${unsetLine}`;
  if ('default' in spec && spec.default === meaning) {
    return { ...base, value: meaning, origin };
  }
  // a prop setting left unset leaves the app's own prop, else the construct's default
  return { ...base, value: null, origin, unset: isPropSetting(name) && meaning !== 'none' ? `the app's own, else ${meaning}` : meaning };
}

/**
 * The project's settings, resolved and checked as the commands check them (a bad value
 * fails here, naming where it came from), for the chosen environment or the top level.
 */
export function resolvedConfig(project: ProjectSettings): ResolvedConfig {
  const { lookup } = project;
  loadAppSettings(lookup);
  loadClusterSettings(lookup);
  loadMachineType(lookup);
  loadPlatform(lookup);
  return {
    environment: project.environment ?? null,
    environmentSource: project.environmentSource ?? null,
    file: project.file?.path ?? null,
    environments: [...project.file?.environments.keys() ?? []],
    settings: Object.fromEntries(SETTING_NAMES.map((name) => [fileKeyOf(name), resolve(project, name)])),
  };
}

/** Prints the resolved settings: a heading line, then one line a setting (key, origin, value: the value last, as long as it is); or, `json`, the whole as JSON. */
export function config(project: ProjectSettings, runner: Runner, json: boolean): void {
  const resolved = resolvedConfig(project);
  if (json) {
    runner.result(JSON.stringify(resolved, null, 2));
    return;
  }
  const others = resolved.environments.length > 0 ? `; ${resolved.file} defines ${resolved.environments.join(', ')}` : '';
  runner.result(`# ${resolved.environment === null
    ? `${resolved.file === null ? `no ${SETTINGS_FILE}` : `${resolved.file}'s top level, no environment chosen`}${others}`
    : `environment ${resolved.environment} (${resolved.environmentSource})${others}`}`);
  const rows = Object.entries(resolved.settings).map(([key, s]) => [key, s.origin, s.value ?? `(${s.unset})`]);
  const widths = rows.reduce((w, row) => row.map((cell, i) => Math.max(w[i] ?? 0, cell.length)), [] as number[]);
  rows.forEach((row) => runner.result(row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ')));
}
