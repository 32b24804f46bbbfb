import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { PROTOCOL_VERSION } from '../protocol/index.js';
import { registerAdminRoutes } from './admin-routes.js';
import { parseKey } from './api-keys.js';
import { checkProtocol } from './auth.js';
import { toHubError } from './hub-error.js';
import type { CommittedChange, HubStore } from './hub-store.js';
import { LiveChannel } from './live.js';
import { registerNodeRoutes } from './node-routes.js';

export interface HubOptions {
  readonly store: HubStore;
  readonly logger?: Logger | false;
  /** Entities the hub accepts; undefined accepts any well-formed name. */
  readonly entities?: readonly string[];
  /** Request body limit in bytes (default 16 MiB). */
  readonly bodyLimit?: number;
  /** Most changes in one push (default 5,000). */
  readonly maxBatch?: number;
  /** Largest pull page (default 10,000). */
  readonly maxPullLimit?: number;
  /** Requests per key (or per IP without a key) per window; false disables (default 1,200 per minute). */
  readonly rateLimit?: { readonly max: number; readonly windowMs: number } | false;
}

export interface Hub {
  readonly app: FastifyInstance;
  readonly store: HubStore;
  /** Present once `listen` has attached socket.io to the HTTP server. */
  live: LiveChannel | null;
  listen(port: number, host?: string): Promise<{ port: number; url: string }>;
  /** Revokes a key and drops its live sockets at once. */
  revokeKey(keyId: string): Promise<boolean>;
  close(): Promise<void>;
}

/** Builds the hub's Fastify app without listening (use `app.inject()` in tests, `listen()` to serve). */
export function buildHub(opts: HubOptions): Hub {
  const app = Fastify({
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- pino's Logger narrows Fastify's generic
    ...(opts.logger ? { loggerInstance: opts.logger as FastifyBaseLogger } : { logger: false }),
    bodyLimit: opts.bodyLimit ?? 16 * 1024 * 1024,
    // Row keys (up to 512 characters) travel percent-encoded in admin paths.
    routerOptions: { maxParamLength: 8192 },
    frameworkErrors: (error, _request, reply) => {
      const raw = reply as unknown as { code(n: number): { send(body: unknown): void } };
      raw.code(400).send({ error: { code: 'bad_request', message: error.message } });
    },
  });
  const hub: Hub = {
    app,
    store: opts.store,
    live: null,
    async listen(port, host = '127.0.0.1') {
      await app.listen({ port, host });
      const address = app.server.address();
      const bound = typeof address === 'object' && address ? address.port : port;
      return { port: bound, url: `http://${host.includes(':') ? `[${host}]` : host}:${bound}` };
    },
    async revokeKey(keyId) {
      const revoked = await opts.store.revokeKey(keyId);
      hub.live?.disconnectKey(keyId);
      return revoked;
    },
    async close() {
      await hub.live?.close();
      await app.close();
    },
  };
  const onCommitted = (changes: readonly CommittedChange[]) => {
    if (changes.length > 0) hub.live?.announce(changes);
  };

  app.addHook('onReady', () => {
    hub.live = new LiveChannel(app.server, opts.store);
  });
  app.addHook('onRequest', (request, _reply, done) => {
    if (request.url.startsWith('/v1/')) checkProtocol(request);
    done();
  });
  app.setErrorHandler((error, request, reply) => {
    const hubError = toHubError(error);
    if (hubError.statusCode >= 500) request.log.error({ err: error }, 'request failed');
    void reply
      .status(hubError.statusCode)
      .headers(hubError.headers)
      .send({ error: { code: hubError.code, message: hubError.message } });
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.status(404).send({ error: { code: 'not_found', message: `no route ${request.method} ${request.url}` } });
  });

  if (opts.rateLimit !== false) {
    const limit = opts.rateLimit ?? { max: 1200, windowMs: 60_000 };
    void app.register(rateLimit, {
      max: limit.max,
      timeWindow: limit.windowMs,
      // Keyed by the API key's public id, so one shop cannot starve another behind the same NAT.
      keyGenerator: (request) => {
        const key = request.headers['x-api-key'];
        return (typeof key === 'string' && parseKey(key)?.id) || request.ip;
      },
    });
  }
  void app.register((scoped, _opts, done) => {
    scoped.get('/healthz', { config: { rateLimit: false } }, () => ({ ok: true, protocol: PROTOCOL_VERSION }));
    registerNodeRoutes(scoped, {
      store: opts.store,
      entities: opts.entities,
      maxBatch: opts.maxBatch ?? 5000,
      maxPullLimit: opts.maxPullLimit ?? 10_000,
      onCommitted,
    });
    registerAdminRoutes(scoped, { store: opts.store, entities: opts.entities, onCommitted });
    done();
    // Per-request lines would drown the log at sync rates: requests log at warn and above only.
  }, { logLevel: 'warn' });
  return hub;
}
