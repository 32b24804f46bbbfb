import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, type ApiErrorBody } from '../contract/api-error.js';
import { dispatch } from '../contract/dispatch.js';
import type { AgentService } from '../service/agent-service.js';
import { EventStreams } from './event-stream.js';
import { CSP, readCookie, sameOrigin, securityHeaders } from './security.js';
import { Sessions, sameSecret, type Session } from './sessions.js';
import type { StaticFile } from './static-files.js';

export interface ConsoleOptions {
  readonly service: AgentService;
  /** The built windows (`loadStaticFiles`). */
  readonly files: ReadonlyMap<string, StaticFile>;
  readonly onCspReport?: (report: unknown) => void;
  readonly onError?: (message: string) => void;
}

export interface ConsoleHandle {
  /** A fresh one-time login URL path (`/login?token=…`). */
  loginPath(): string;
  readonly sessions: Sessions;
}

const STATUS: Record<ApiError['code'], number> = { bad_request: 400, not_found: 404, unavailable: 503, internal: 500 };
const CSRF_META = '__DOVETAIL_CSRF__';

const refuse = (reply: FastifyReply, status: 401 | 403, code: 'unauthorized' | 'forbidden', message: string) => {
  const body: ApiErrorBody = { error: { code, message } };
  return reply.status(status).header('cache-control', 'no-store').send(body);
};

/**
 * The web console on the agent's local server: the built windows, `POST /api/<call>` for every
 * AgentApi call and `GET /api/events` (SSE). A one-time token from the printed URL becomes an
 * HttpOnly SameSite=Strict session cookie; every call needs it, the page's Origin, and the CSRF
 * token the page was served with. The Host check is the server's own (see control-server.ts).
 */
export function registerConsole(app: FastifyInstance, port: () => number, opts: ConsoleOptions): ConsoleHandle {
  const sessions = new Sessions();
  const streams = new EventStreams(opts.service);
  const cookieName = () => `dovetail_console_${port()}`;
  const session = (request: FastifyRequest): Session | null => sessions.get(readCookie(request, cookieName()));
  app.addHook('preClose', (done) => {
    streams.closeAll();
    done();
  });

  void app.register((scope, _options, done) => {
    scope.addHook('onRequest', (_request, reply, next) => {
      securityHeaders(reply);
      next();
    });
    scope.addContentTypeParser(['application/csp-report', 'application/reports+json'], { parseAs: 'string', bodyLimit: 16 * 1024 }, (_r, body, next) => {
      next(null, body);
    });

    scope.get('/login', (request, reply) => {
      const token = (request.query as Record<string, unknown>).token;
      const fresh = typeof token === 'string' ? sessions.login(token) : null;
      if (!fresh) return refuse(reply, 401, 'unauthorized', 'this login link was already used or is not valid: run `dovetail console` for a new one');
      void reply.header('set-cookie', `${cookieName()}=${fresh.id}; HttpOnly; SameSite=Strict; Path=/`);
      return reply.status(303).header('cache-control', 'no-store').header('location', '/').send();
    });

    scope.get('/', (request, reply) => {
      const current = session(request);
      if (!current) return refuse(reply, 401, 'unauthorized', 'no console session: open the link printed by `dovetail console`');
      const html = opts.files.get('/index.html')!.body.toString('utf8').replace(CSRF_META, current.csrf);
      return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(html);
    });

    scope.get('/assets/*', (request, reply) => {
      const file = opts.files.get(request.url.split('?')[0]!);
      if (!file) return reply.status(404).send({ error: { code: 'not_found', message: 'no such file' } });
      return reply.type(file.type).header('cache-control', 'public, max-age=31536000, immutable').send(file.body);
    });

    scope.post('/csp-report', (request, reply) => {
      opts.onCspReport?.(request.body);
      return reply.status(204).send();
    });

    scope.get('/api/events', (request, reply) => {
      if (!session(request)) return refuse(reply, 401, 'unauthorized', 'no console session');
      const site = request.headers['sec-fetch-site'];
      if (site !== undefined && site !== 'same-origin') return refuse(reply, 403, 'forbidden', 'cross-site request');
      reply.hijack();
      streams.attach(reply.raw, { 'content-security-policy': CSP, 'x-content-type-options': 'nosniff' });
      return reply;
    });

    const guard = (request: FastifyRequest, reply: FastifyReply, next: () => void) => {
      const current = session(request);
      if (!current) return void refuse(reply, 401, 'unauthorized', 'no console session');
      if (!sameOrigin(request, port())) return void refuse(reply, 403, 'forbidden', 'the request does not come from the console page (Origin)');
      const csrf = request.headers['x-dovetail-csrf'];
      if (typeof csrf !== 'string' || !sameSecret(csrf, current.csrf)) return void refuse(reply, 403, 'forbidden', 'missing or wrong CSRF token');
      next();
    };

    // The guard runs before the body is even parsed.
    scope.post('/api/:channel', { onRequest: guard }, async (request, reply) => {
      const { channel } = request.params as { channel: string };
      try {
        const result = await dispatch(opts.service, channel, request.body);
        return reply.header('cache-control', 'no-store').send(result ?? null);
      } catch (error) {
        const apiError = error instanceof ApiError ? error : new ApiError('internal', error instanceof Error ? error.message : String(error));
        if (apiError.code === 'internal') opts.onError?.(`console call ${channel} failed: ${apiError.message}`);
        const body: ApiErrorBody = { error: { code: apiError.code, message: apiError.message } };
        return reply.status(STATUS[apiError.code]).header('cache-control', 'no-store').send(body);
      }
    });
    done();
  });

  return { loginPath: () => `/login?token=${sessions.mintLogin()}`, sessions };
}
