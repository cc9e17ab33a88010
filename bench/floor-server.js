// The floor for bench/server-load.js: a bare http.createServer that answers the same
// body as app/server.js, without logging.
'use strict';
const http = require('node:http');
const os = require('node:os');

const body = `Hello World! I'm ${os.hostname()}`;
const server = http.createServer((req, res) => {
  res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
});
server.listen(0, '127.0.0.1', () => console.error(`floor listening on http://127.0.0.1:${server.address().port}/`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
