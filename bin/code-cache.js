// Requires the CLI's bundle (one CommonJS file) compiled from V8's code cache, so that
// a run does not compile again what the last one compiled: for `hello-node synth`, some
// 20 ms of its start, a tenth of what it costs beside the app it runs (docs/contributing.md,
// "Speed").
//
// Why not Node's own: `module.enableCompileCache()` exists from Node 22.1 only, and
// v8-compile-cache (like a cache made right after compiling) holds only the code V8
// compiles eagerly, which for a bundle of lazily run modules is next to nothing (measured:
// no gain). The cache made here is made after the command ran, with every function it
// compiled, once per bundle and Node version, as Node 22's is made at exit.
'use strict';
const fs = require('node:fs');
const Module = require('node:module');
const path = require('node:path');
const vm = require('node:vm');

/**
 * `require(filename)` of a CommonJS file that requires nothing but Node's modules and
 * files beside it (the CLI's esbuild bundle), compiled with the code cache kept in
 * `cacheDir` for it and this Node: `<name>.<node version>-<arch>.v8`, which holds the
 * source it was made from, and is used only for that very source (V8 itself checks only
 * a source's length; comparing the bytes costs less than hashing them, and loading
 * node:crypto some 10 ms). The cache is written when the process exits, when there was
 * none for this source or V8 rejected it (other V8 flags); it is only a cache: were
 * `cacheDir` unwritable, or the disk full, the file is simply compiled each time.
 *
 * @param {string} filename
 * @param {string | undefined} cacheDir none: required as Node requires it (as it is too
 *   with source maps enabled)
 */
function requireWithCodeCache(filename, cacheDir) {
  // Node maps stack traces through source maps (--enable-source-maps) only for what its
  // own loader compiles
  if (cacheDir === undefined || process.sourceMapsEnabled) {
    return require(filename);
  }
  // V8 checks a code cache's checksum only under this flag (on by default in its debug
  // builds alone): without it, a damaged cache file crashed every run (a segfault)
  require('node:v8').setFlagsFromString('--verify-snapshot-checksum');
  const source = fs.readFileSync(filename);
  const cacheFile = path.join(cacheDir, `${path.basename(filename)}.${process.version}-${process.arch}.v8`);
  const cachedData = cachedDataFor(cacheFile, source);
  // the wrapper Node's CommonJS loader gives a module
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) { ${source}\n});`, { filename, cachedData });
  if (cachedData === undefined || script.cachedDataRejected) {
    process.once('exit', () => writeCache(cacheFile, source, script));
  }
  const bundle = new Module(filename, module);
  bundle.filename = filename;
  script.runInThisContext()(bundle.exports, Module.createRequire(filename), bundle, filename, path.dirname(filename));
  bundle.loaded = true;
  return bundle.exports;
}

/** The layout of a cache file: the source's length (4 bytes, little-endian), the source, V8's data. */
const LENGTH_BYTES = 4;

/** V8's data in `cacheFile`, if it was made from `source`. */
function cachedDataFor(cacheFile, source) {
  let cache;
  try {
    // a file: reading a FIFO or a device put in its place would wait, or never end
    cache = fs.statSync(cacheFile).isFile() ? fs.readFileSync(cacheFile) : undefined;
  } catch {
    return undefined;
  }
  const end = LENGTH_BYTES + source.length;
  const madeFrom = cache !== undefined && cache.length > end && cache.readUInt32LE(0) === source.length && cache.subarray(LENGTH_BYTES, end).equals(source);
  return madeFrom ? cache.subarray(end) : undefined;
}

/**
 * Writes `script`'s code cache for `source` to `cacheFile`, whole or not at all; the
 * cache is made only once its file could be (some ms: not every run of a read-only
 * node_modules).
 */
function writeCache(cacheFile, source, script) {
  const partial = `${cacheFile}.${process.pid}.tmp`;
  let fd;
  try {
    fs.mkdirSync(path.dirname(cacheFile), { recursive: true });
    fd = fs.openSync(partial, 'w');
    const length = Buffer.alloc(LENGTH_BYTES);
    length.writeUInt32LE(source.length);
    for (const part of [length, source, script.createCachedData()]) {
      fs.writeFileSync(fd, part);
    }
    fs.closeSync(fd);
    fd = undefined;
    // write-then-rename: a concurrent run reads the whole cache or none
    fs.renameSync(partial, cacheFile);
  } catch {
    try {
      if (fd !== undefined) {
        fs.closeSync(fd);
      }
      fs.rmSync(partial, { force: true });
    } catch {
      // it was never made: its directory could not be
    }
  }
}

module.exports = { requireWithCodeCache };
