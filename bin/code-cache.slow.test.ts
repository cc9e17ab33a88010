import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const CODE_CACHE = path.join(__dirname, 'code-cache.js');

let dir: string;
let bundle: string;
let cacheDir: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'code-cache-'));
  bundle = path.join(dir, 'bundle.js');
  cacheDir = path.join(dir, 'cache');
});

afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Requires `bundle` through requireWithCodeCache in a fresh Node, and returns what its `answer()` says. */
function run(env: NodeJS.ProcessEnv = {}, cache = cacheDir): string {
  const script = `const m = require(${JSON.stringify(CODE_CACHE)}).requireWithCodeCache(${JSON.stringify(bundle)}, ${JSON.stringify(cache)}); console.log(m.answer());`;
  const result = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { PATH: process.env.PATH, ...env } });
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  return result.stdout.trim();
}

const cacheFiles = () => (fs.existsSync(cacheDir) ? fs.readdirSync(cacheDir) : []);

describe('requireWithCodeCache', () => {
  test('runs the file as require() would, its own require resolving beside it, and writes the cache once, at exit', () => {
    fs.writeFileSync(path.join(dir, 'beside.js'), 'module.exports = "beside";\n');
    fs.writeFileSync(bundle, 'const beside = require("./beside"); exports.answer = () => `${beside} ${path.basename(__filename)} ${module.loaded} ${require.main === undefined}`; const path = require("node:path");\n');
    expect(run()).toBe('beside bundle.js true true');
    expect(cacheFiles()).toEqual([`bundle.js.${process.version}-${process.arch}.v8`]);
    const cacheFile = path.join(cacheDir, cacheFiles()[0]);
    const written = fs.statSync(cacheFile).mtimeMs;
    // a cache V8 took is not written again
    expect(run()).toBe('beside bundle.js true true');
    expect(fs.statSync(cacheFile).mtimeMs).toBe(written);
  });

  test('a file changed to another of the same length runs as it now is, never from the cache of the old (V8 checks only the length)', () => {
    fs.writeFileSync(bundle, 'exports.answer = function () { return "old"; };\n');
    expect(run()).toBe('old');
    fs.writeFileSync(bundle, 'exports.answer = function () { return "new"; };\n');
    expect(run()).toBe('new');
    expect(run()).toBe('new');
  });

  test('a damaged cache is rejected by its checksum (V8 would crash on it), compiled afresh and replaced', () => {
    fs.writeFileSync(bundle, 'exports.answer = () => [1, 2, 3].map((n) => n * 2).join(",");\n');
    expect(run()).toBe('2,4,6');
    const cacheFile = path.join(cacheDir, cacheFiles()[0]);
    const good = fs.readFileSync(cacheFile);
    // the source as recorded, V8's data after it turned to noise
    const damaged = Buffer.from(good);
    damaged.fill(7, damaged.length - Math.floor((damaged.length - 4 - fs.statSync(bundle).size) / 2));
    fs.writeFileSync(cacheFile, damaged);
    expect(run()).toBe('2,4,6');
    expect(fs.readFileSync(cacheFile).equals(damaged)).toBe(false);
    expect(cacheFiles()).toHaveLength(1);
  });

  test('a cache directory that cannot be made (under a file) only costs the cache: the file runs, nothing is left', () => {
    fs.writeFileSync(bundle, 'exports.answer = () => "ran";\n');
    const blocked = path.join(dir, 'a-file');
    fs.writeFileSync(blocked, '');
    expect(run({}, path.join(blocked, 'cache'))).toBe('ran');
    expect(fs.readdirSync(dir).sort()).toEqual(['a-file', 'bundle.js']);
  });

  test('a disk that fills up while the cache is written leaves no part of it, and the file ran', () => {
    fs.writeFileSync(bundle, 'exports.answer = () => "ran";\n');
    // writes to a descriptor (the cache's) write a few bytes, then fail as a full disk does
    const fullDisk = path.join(dir, 'full-disk.js');
    fs.writeFileSync(fullDisk, `const fs = require('node:fs'); const write = fs.writeFileSync;
fs.writeFileSync = (file, data, ...rest) => {
  if (typeof file !== 'number') return write(file, data, ...rest);
  write(file, data.subarray(0, 2));
  throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
};`);
    expect(run({ NODE_OPTIONS: `-r ${fullDisk}` })).toBe('ran');
    expect(cacheFiles()).toEqual([]);
    expect(run()).toBe('ran');
    expect(cacheFiles()).toHaveLength(1);
  });

  test('with source maps enabled, Node\'s own loader runs it, and makes no cache (it maps only what it compiles)', () => {
    fs.writeFileSync(bundle, 'exports.answer = () => String(process.sourceMapsEnabled);\n');
    expect(run({ NODE_OPTIONS: '--enable-source-maps' })).toBe('true');
    expect(cacheFiles()).toEqual([]);
  });
});
