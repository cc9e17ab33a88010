// Talking to a server under test on 127.0.0.1: HTTP GETs, and raw TCP for requests that
// HTTP clients will not send (garbage, half-sent headers, resets).
import * as http from 'node:http';
import * as net from 'node:net';

export interface Answer {
  readonly status: number;
  readonly body: string;
  readonly headers: http.IncomingHttpHeaders;
}

/** GET `urlPath` on 127.0.0.1:`port`. */
export function get(port: number, urlPath = '/', agent?: http.Agent): Promise<Answer> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: urlPath, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    }).on('error', reject);
  });
}

/** Opens a raw TCP connection to 127.0.0.1:`port` and writes `data` to it. */
export function rawConnection(port: number, data: string): Promise<{ socket: net.Socket; received: () => string; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write(data);
      resolve({ socket, received: () => received, closed });
    });
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (d) => (received += d));
    socket.on('error', reject);
    const closed = new Promise<void>((done) => socket.on('close', () => done()));
  });
}
