import Fastify, { type FastifyInstance } from 'fastify';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { registerConsole, type ConsoleHandle, type ConsoleOptions } from '../../console/console-routes.js';
import { allowedHosts } from '../../console/security.js';
import { sameSecret } from '../../console/sessions.js';
import type { Agent } from '../../core/agent.js';
import { pauseUntil } from '../../core/connection-state.js';

const target = z.strictObject({ instance: z.string().optional() });
const syncBody = target.extend({
  full: z.boolean().optional(),
  direction: z.enum(['push', 'pull', 'both']).optional(),
  only: z.array(z.string()).optional(),
  skip: z.array(z.string()).optional(),
});
const pauseBody = target.extend({ for: z.string().optional() });

export interface ControlServer {
  readonly port: number;
  readonly token: string;
  readonly app: FastifyInstance;
  /** The web console on the same server, when started with one. */
  readonly console: ConsoleHandle | null;
}

/**
 * The running agent's one local server: 127.0.0.1 only, with a Host check on every request so a
 * web page cannot reach it by DNS rebinding. The control API for CLI commands needs the random
 * bearer token (shared through a 0600 file); with `console`, the same server also serves the web
 * console (its own session, Origin and CSRF checks; see console-routes.ts).
 */
export async function startControlServer(
  agents: readonly Agent[],
  opts: { port?: number; console?: ConsoleOptions } = {},
): Promise<ControlServer> {
  const token = randomBytes(24).toString('base64url');
  const app = Fastify({ logger: false, bodyLimit: 64 * 1024 });
  let port = 0;
  app.addHook('onRequest', (request, reply, done) => {
    if (!allowedHosts(port).has(request.headers.host ?? '')) {
      void reply.status(403).send({ error: { code: 'forbidden', message: 'bad host' } });
      return;
    }
    done();
  });
  const consoleHandle = opts.console ? registerConsole(app, () => port, opts.console) : null;

  await app.register((control, _options, registered) => {
    control.addHook('onRequest', (request, reply, done) => {
      if (!sameSecret(request.headers.authorization ?? '', `Bearer ${token}`)) {
        void reply.status(401).send({ error: { code: 'unauthorized', message: 'bad control token' } });
        return;
      }
      done();
    });
    const pick = (instance: string | undefined): Agent[] => {
      const found = instance === undefined ? [...agents] : agents.filter((a) => a.engine.config.name === instance);
      if (found.length === 0) throw Object.assign(new Error(`no instance named "${instance}"`), { statusCode: 404 });
      return found;
    };
    const parse = <T extends z.ZodType>(schema: T, body: unknown): z.infer<T> => {
      const parsed = schema.safeParse(body ?? {});
      if (!parsed.success) throw Object.assign(new Error(parsed.error.message), { statusCode: 400 });
      return parsed.data;
    };
    control.setErrorHandler((error: Error & { statusCode?: number }, _request, reply) => {
      void reply.status(error.statusCode ?? 500).send({ error: { code: 'control', message: error.message } });
    });

    control.get('/status', () => agents.map((a) => a.status()));
    control.post('/sync', async (request) => {
      const body = parse(syncBody, request.body);
      const summaries = [];
      for (const agent of pick(body.instance)) {
        let run;
        try {
          run = agent.syncNow({ full: body.full, direction: body.direction, only: body.only, skip: body.skip });
        } catch (error) {
          throw Object.assign(error as Error, { statusCode: 400 });
        }
        summaries.push({ instance: agent.engine.config.name, ...(await run) });
      }
      return summaries;
    });
    control.post('/cancel', (request) => ({ canceled: pick(parse(target, request.body).instance).filter((a) => a.cancel()).length }));
    control.post('/pause', (request) => {
      const body = parse(pauseBody, request.body);
      let until: Date | null;
      try {
        until = pauseUntil(body.for);
      } catch (error) {
        throw Object.assign(error as Error, { statusCode: 400 });
      }
      for (const agent of pick(body.instance)) agent.pause(until);
      return { pausedUntil: until?.toISOString() ?? null };
    });
    control.post('/resume', (request) => {
      for (const agent of pick(parse(target, request.body).instance)) agent.resume();
      return { resumed: true };
    });
    /** `dovetail console`: a fresh one-time login URL for the web console. */
    control.post('/console-login', (_request, reply) => {
      if (!consoleHandle) return reply.status(404).send({ error: { code: 'control', message: 'this agent runs without --console' } });
      return { url: `http://127.0.0.1:${port}${consoleHandle.loginPath()}` };
    });
    registered();
  });
  await app.listen({ port: opts.port ?? 0, host: '127.0.0.1' });
  const address = app.server.address();
  port = typeof address === 'object' && address ? address.port : 0;
  return { port, token, app, console: consoleHandle };
}
