// Preloaded (node -r) into a child synth: every write of a manifest file writes half
// of its text and then fails with ENOSPC, as a disk that fills up mid-file does.
'use strict';
const fs = require('node:fs');

const writeFileSync = fs.writeFileSync;
fs.writeFileSync = function writeHalfThenFail(file, data, options) {
  if (String(file).endsWith('.k8s.yaml')) {
    writeFileSync(file, String(data).slice(0, String(data).length / 2), options);
    throw Object.assign(new Error(`ENOSPC: no space left on device, write '${file}'`), { code: 'ENOSPC', errno: -28, syscall: 'write' });
  }
  return writeFileSync.call(this, file, data, options);
};
