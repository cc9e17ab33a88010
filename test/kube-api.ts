// A minimal client of the test control plane's API server, for what the tests and the
// stand-in node do through the API itself rather than through kubectl: the HTTPS
// requests of a kubelet or a cloud controller, authenticated with the admin token.
import * as https from 'node:https';

/** Where the API server is and how to reach it. */
export interface ApiEndpoint {
  /** `https://127.0.0.1:<port>` */
  readonly server: string;
  /** The serving certificate's CA, PEM. */
  readonly ca: string;
  /** A bearer token of `system:masters`. */
  readonly token: string;
}

/** An answer of the API server that is not 2xx. */
export class ApiError extends Error {
  constructor(readonly status: number, readonly body: string, what: string) {
    super(`${what}: HTTP ${status}: ${body.slice(0, 300)}`);
  }
}

// One keep-alive agent per CA: the stand-in node asks several times a second.
const agents = new Map<string, https.Agent>();

/**
 * Sends one request and resolves to the parsed JSON answer. `body` is sent as JSON,
 * or as a merge patch with method PATCH. Rejects with ApiError on any status but 2xx.
 */
export function apiRequest<T = unknown>(endpoint: ApiEndpoint, method: string, path: string, body?: unknown): Promise<T> {
  let agent = agents.get(endpoint.ca);
  if (!agent) {
    agent = new https.Agent({ ca: endpoint.ca, keepAlive: true, maxSockets: 4 });
    agents.set(endpoint.ca, agent);
  }
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const contentType = method === 'PATCH' ? 'application/merge-patch+json' : 'application/json';
  return new Promise((resolve, reject) => {
    const request = https.request(`${endpoint.server}${path}`, {
      method,
      agent,
      headers: { authorization: `Bearer ${endpoint.token}`, accept: 'application/json', ...(payload ? { 'content-type': contentType, 'content-length': Buffer.byteLength(payload) } : {}) },
      timeout: 10_000,
    }, (response) => {
      let text = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk)).on('end', () => {
        const status = response.statusCode ?? 0;
        if (status < 200 || status >= 300) {
          reject(new ApiError(status, text, `${method} ${path}`));
          return;
        }
        try {
          // /readyz and /healthz answer plain text
          resolve((/json/.test(response.headers['content-type'] ?? '') ? JSON.parse(text) : text) as T);
        } catch (err) {
          reject(err);
        }
      });
    });
    request.on('timeout', () => request.destroy(new Error(`${method} ${path}: no answer in 10 s`)));
    request.on('error', reject);
    request.end(payload);
  });
}

/** Frees the keep-alive connections, so that a process can exit. */
export function closeApiConnections(): void {
  for (const agent of agents.values()) {
    agent.destroy();
  }
  agents.clear();
}
