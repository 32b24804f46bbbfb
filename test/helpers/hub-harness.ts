import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { startHub, type RunningHub } from './fixtures.js';

/**
 * A real hub like `startHub`, but `configure` may add Fastify hooks (failures, gates, recorders)
 * before it listens. Every request's method and path is recorded in `requests`.
 */
export async function startHubWith(
  dir: string,
  configure: (app: FastifyInstance) => void,
  opts: { entities?: readonly string[]; dbPath?: string } = {},
): Promise<RunningHub & { readonly requests: string[] }> {
  const requests: string[] = [];
  const hub = await startHub(dir, {
    ...opts,
    configure: ({ app }) => {
      app.addHook('onRequest', (request, _reply, done) => {
        requests.push(`${request.method} ${request.url.split('?')[0]}`);
        done();
      });
      configure(app);
    },
  });
  return { ...hub, requests };
}

/**
 * Makes the first `count` requests to `path` fail: answered with `status` (and `headers`), or with the
 * connection closed before the hub handles them (`status: 'close'`).
 */
export function failFirst(
  app: FastifyInstance,
  opts: { path: string; count: number; status: number | 'close'; headers?: Record<string, string> },
): { readonly failed: () => number } {
  let failed = 0;
  app.addHook('onRequest', async (request, reply) => {
    if (request.url.split('?')[0] !== opts.path || failed >= opts.count) return;
    failed++;
    if (opts.status === 'close') {
      reply.hijack();
      request.raw.socket.destroy();
      return reply;
    }
    await reply
      .code(opts.status)
      .headers(opts.headers ?? {})
      .send({ error: { code: opts.status === 429 ? 'rate_limited' : 'internal', message: 'injected failure' } });
    return reply;
  });
  return { failed: () => failed };
}

/**
 * Drops the connection after the hub has handled (and committed) the first `count` requests to
 * `path`: the client never sees the answer, as when a link dies during the response.
 */
export function loseAnswers(app: FastifyInstance, opts: { path: string; count: number }): { readonly lost: () => number } {
  let lost = 0;
  app.addHook('onSend', async (request, reply, payload) => {
    if (request.url.split('?')[0] !== opts.path || lost >= opts.count) return payload;
    lost++;
    request.raw.socket.destroy();
    return payload;
  });
  return { lost: () => lost };
}

/** Records the JSON body of every request to `path`. */
export function recordBodies(app: FastifyInstance, path: string): unknown[] {
  const bodies: unknown[] = [];
  app.addHook('preHandler', (request, _reply, done) => {
    if (request.url.split('?')[0] === path) bodies.push(request.body);
    done();
  });
  return bodies;
}

/** Holds requests to `path` until `release()` is called; `held()` tells how many are waiting. */
export function gate(app: FastifyInstance, path: string): { release(): void; held(): number } {
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => (open = resolve));
  let held = 0;
  app.addHook('onRequest', async (request) => {
    if (request.url.split('?')[0] !== path) return;
    held++;
    await opened;
  });
  return { release: () => open(), held: () => held };
}

export type FakeRoute = (request: IncomingMessage, url: URL) => { status?: number; headers?: Record<string, string>; body: string };

/**
 * A tiny HTTP server on 127.0.0.1, port 0, standing in for a broken hub: each path answers what its
 * route returns; `/v1/status` answers a valid node status unless overridden.
 */
export async function startFakeHub(routes: Record<string, FakeRoute>): Promise<{ url: string; requests: string[]; stop(): Promise<void> }> {
  const requests: string[] = [];
  const all: Record<string, FakeRoute> = {
    '/v1/status': () => ({
      body: JSON.stringify({ protocol: 1, node: 'fake-node', scope: 'shop-1', head: 0, serverTime: new Date().toISOString(), entities: [] }),
    }),
    ...routes,
  };
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    requests.push(`${request.method} ${url.pathname}${url.search}`);
    request.resume();
    request.on('end', () => {
      const route = all[url.pathname];
      const answer = route ? route(request, url) : { status: 404, body: '{"error":{"code":"not_found","message":"no route"}}' };
      response.writeHead(answer.status ?? 200, { 'content-type': 'application/json', ...answer.headers });
      response.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
