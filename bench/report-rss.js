// Preloaded into every node process a benchmark starts (NODE_OPTIONS=-r): on exit it
// appends the process's peak resident memory to $BENCH_RSS_FILE, so that memory is
// measured per process without /usr/bin/time.
'use strict';
const fs = require('node:fs');

process.on('exit', () => {
  if (process.env.BENCH_RSS_FILE) {
    fs.appendFileSync(process.env.BENCH_RSS_FILE, `${process.resourceUsage().maxRSS}\n`);
  }
});
