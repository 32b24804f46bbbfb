import Fastify, { type FastifyInstance } from 'fastify';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { Agent } from '../../core/agent.js';
import { pauseUntil } from '../../core/connection-state.js';

const target = z.strictObject({ instance: z.string().optional() });
const syncBody = target.extend({ full: z.boolean().optional() });
const pauseBody = target.extend({ for: z.string().optional() });

/**
 * The running agent's control API for local CLI commands: 127.0.0.1 only, a random bearer token
 * (shared through a 0600 file), and a Host check so a web page cannot reach it by DNS rebinding.
 */
export async function startControlServer(agents: readonly Agent[]): Promise<{ port: number; token: string; app: FastifyInstance }> {
  const token = randomBytes(24).toString('base64url');
  const app = Fastify({ logger: false, bodyLimit: 64 * 1024 });
  let port = 0;
  app.addHook('onRequest', (request, reply, done) => {
    const auth = Buffer.from(request.headers.authorization ?? '');
    const expected = Buffer.from(`Bearer ${token}`);
    const hostOk = request.headers.host === `127.0.0.1:${port}` || request.headers.host === `localhost:${port}`;
    if (!hostOk || auth.length !== expected.length || !timingSafeEqual(auth, expected)) {
      void reply.status(401).send({ error: { code: 'unauthorized', message: 'bad control token or host' } });
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
  app.setErrorHandler((error: Error & { statusCode?: number }, _request, reply) => {
    void reply.status(error.statusCode ?? 500).send({ error: { code: 'control', message: error.message } });
  });

  app.get('/status', () => agents.map((a) => a.status()));
  app.post('/sync', async (request) => {
    const body = parse(syncBody, request.body);
    const summaries = [];
    for (const agent of pick(body.instance)) summaries.push({ instance: agent.engine.config.name, ...(await agent.syncNow({ full: body.full })) });
    return summaries;
  });
  app.post('/cancel', (request) => ({ canceled: pick(parse(target, request.body).instance).filter((a) => a.cancel()).length }));
  app.post('/pause', (request) => {
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
  app.post('/resume', (request) => {
    for (const agent of pick(parse(target, request.body).instance)) agent.resume();
    return { resumed: true };
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  port = typeof address === 'object' && address ? address.port : 0;
  return { port, token, app };
}
