// The docs (README.md and docs/*.md) name files, links, npm scripts and hello-node
// commands; each must exist as named, so that a reader who follows one is never sent
// nowhere.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command, Option } from 'commander';
import { buildProgram } from '../src/commands/program';
import { settingsTable } from '../lib/settings';

const ROOT = path.join(__dirname, '..');
const DOCS = ['README.md', ...fs.readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => path.join('docs', f))];
const read = (doc: string) => fs.readFileSync(path.join(ROOT, doc), 'utf8');

/** What a synth, a build or the package check writes: named by the docs, absent from a clone. */
const GENERATED = /^(dist|build|\.dist\.synth|node_modules|coverage)(\/|$)|^\.jsii$|^hello-node-cdk8s-[\d.]+\.tgz$/;
const TOP_LEVEL = fs.readdirSync(ROOT).filter((entry) => !GENERATED.test(entry) && entry !== '.git');
/** Directories whose files the docs may name by their base name alone. */
const SOURCE_DIRS = ['lib', 'src', 'app', 'test', 'bench', 'scripts', 'bin'];

/** Every inline code span and every line of a fenced code block. */
function codeOf(markdown: string): string[] {
  const fenced = [...markdown.matchAll(/^```[^\n]*\n([\s\S]*?)^```/gm)].flatMap((m) => m[1].split('\n'));
  const prose = markdown.replace(/^```[^\n]*\n[\s\S]*?^```/gm, '');
  return [...[...prose.matchAll(/`([^`\n]+)`/g)].map((m) => m[1]), ...fenced];
}

/** The relative paths that a code span names: words starting with one of the repository's top-level entries. */
function pathsIn(code: string): string[] {
  return code.split(/[\s=,;()'"]+/).filter((word) => {
    const first = word.replace(/^\.\//, '').split('/')[0];
    return (TOP_LEVEL.includes(first) && (word.includes('/') || /\.\w+$/.test(word))) || /^\w[\w.-]*\.(ts|js|mjs)$/.test(word);
  });
}

function exists(name: string): boolean {
  const clean = name.replace(/^\.\//, '').replace(/[.:]+$/, '');
  if (GENERATED.test(clean) || fs.existsSync(path.join(ROOT, clean))) {
    return true;
  }
  // a base name alone: a file of one of the source directories
  return !clean.includes('/') && SOURCE_DIRS.some((dir) => fs.existsSync(path.join(ROOT, dir, clean)));
}

/** GitHub's anchor for a heading. */
const slug = (heading: string) => heading.trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
const anchorsOf = (markdown: string) => new Set([...markdown.matchAll(/^#+ (.+)$/gm)].map((m) => slug(m[1])));

/** The hello-node command a code line runs, with its words; `undefined` when it runs none. */
function helloNodeWords(line: string): string[] | undefined {
  // the command's words end where the shell's syntax, a comment, an ellipsis (more of the same) or a quote (`…`) starts
  const match = /(?:^|[\s$;&|(`])(?:npx )?hello-node((?: [^\s|;&>)"#…`]+)*)/.exec(line.replace(/^\$ /, ''));
  return match ? match[1].trim().split(/\s+/).filter(Boolean) : undefined;
}

const program = buildProgram({
  env: {}, stdout: process.stdout, stderr: process.stderr, execute: () => { throw new Error('not run'); },
  clock: { now: () => 0, sleep: async () => undefined }, projectRoot: ROOT, invocation: 'hello-node',
});
const flagsOf = (cmd: Command) => new Set(cmd.options.filter((o: Option) => !o.hidden).flatMap((o: Option) => [o.long, o.short].filter((f): f is string => !!f)));
// the program's visible flags only: its hidden setting flags are each command's to show
const GLOBAL_FLAGS = new Set([...flagsOf(program), '--help', '-h']);

/** Why `words` is not a hello-node command line, or `undefined` when it is one. */
function commandProblem(words: string[]): string | undefined {
  let cmd = program;
  let i = 0;
  for (; i < words.length; i++) {
    // a global option before the command (`--env production promote`), with its value when it takes one
    const global = words[i].startsWith('-') && cmd === program ? program.options.find((o: Option) => o.long === words[i].split('=')[0]) : undefined;
    if (global) {
      i += global.required && !words[i].includes('=') ? 1 : 0;
      continue;
    }
    if (words[i].startsWith('-')) {
      break;
    }
    const sub = cmd.commands.find((c) => c.name() === words[i]);
    if (!sub) {
      break; // an argument (scale's <replicas>), or a word of prose after the command
    }
    cmd = sub;
  }
  if (cmd.commands.length > 0 && i < words.length && !words[i].startsWith('-')) {
    return `no command "${words[i]}"${cmd === program ? '' : ` under ${cmd.name()}`}`;
  }
  const known = new Set([...flagsOf(cmd), ...GLOBAL_FLAGS]);
  const unknown = words.slice(i).filter((w) => /^--?[a-z]/.test(w)).map((w) => w.split('=')[0]).find((flag) => !known.has(flag));
  return unknown && `${cmd.name()} has no flag ${unknown}`;
}

const SCRIPTS = Object.keys(JSON.parse(read('package.json')).scripts);

describe.each(DOCS)('%s', (doc) => {
  const markdown = read(doc);
  const code = codeOf(markdown);

  test('every file or directory of this repository that it names exists', () => {
    const missing = [...new Set(code.flatMap(pathsIn))].filter((name) => !exists(name));
    expect(missing).toEqual([]);
  });

  test('every link to a file of this repository, and to a heading in it, leads somewhere', () => {
    // inline links, with or without a title, and reference definitions
    const targets = [...markdown.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g), ...markdown.matchAll(/^\[[^\]]+\]:\s*(\S+)/gm)].map((m) => m[1]);
    const broken = targets.filter((target) => !/^(https?|mailto):/.test(target)).filter((target) => {
      const [file, anchor] = target.split('#');
      const resolved = file === '' ? doc : path.join(path.dirname(doc), file);
      if (!fs.existsSync(path.join(ROOT, resolved))) {
        return true;
      }
      return anchor !== undefined && !anchorsOf(read(resolved)).has(anchor);
    });
    expect(broken).toEqual([]);
  });

  test('every table has rows under its header', () => {
    const empty = [...markdown.matchAll(/^(\|.*\|)\n\|[-| :]+\|\n(?!\|)/gm)].map((m) => m[1]);
    expect(empty).toEqual([]);
  });

  test('every npm script it runs is in package.json', () => {
    const scripts = code.flatMap((c) => [...c.matchAll(/npm run (?:--[\w-]+ )*([\w:-]+)/g)].map((m) => m[1]));
    expect(scripts.filter((script) => !SCRIPTS.includes(script))).toEqual([]);
  });

  test('every hello-node command it shows exists, with the flags it gives', () => {
    const problems = code.flatMap((line) => {
      const words = helloNodeWords(line);
      const problem = words && commandProblem(words);
      return problem ? [`${line}: ${problem}`] : [];
    });
    expect(problems).toEqual([]);
  });
});

test('docs/user-guide.md\'s settings table is the one lib/settings.ts makes (`npm run docs` writes it)', () => {
  const guide = read('docs/user-guide.md');
  const table = /<!-- settings-table:start -->\n([\s\S]*?)\n<!-- settings-table:end -->/.exec(guide);
  expect(table?.[1]).toBe(settingsTable());
});
