import type { FastifyInstance } from 'fastify';
import { PROTOCOL_VERSION, declareEntitiesRequest, keyMismatch, pullQuery, pushRequest, rowTooLarge, type PushChange } from '../protocol/index.js';
import { authenticate, requestKey, requireRole } from './auth.js';
import { hubFailpoint } from './failpoint.js';
import { HubError } from './hub-error.js';
import type { CommittedChange, HubStore } from './hub-store.js';
import { parseOr400 } from './parse.js';

export interface NodeRouteOptions {
  readonly store: HubStore;
  /** Entities this hub accepts; undefined = any well-formed name. */
  readonly entities?: readonly string[];
  readonly maxBatch: number;
  readonly maxPullLimit: number;
  readonly onCommitted: (changes: readonly CommittedChange[]) => void;
}

/** Protocol v1 endpoints for nodes: push, pull, status, entity declarations. */
export function registerNodeRoutes(app: FastifyInstance, opts: NodeRouteOptions): void {
  const { store } = opts;
  const known = opts.entities ? new Set(opts.entities) : null;
  const checkEntity = (entity: string): void => {
    if (known && !known.has(entity)) throw new HubError('unknown_entity', `unknown entity "${entity}"`);
  };

  app.post('/v1/push', async (request) => {
    const principal = await authenticate(store, requestKey(request));
    requireRole(principal, 'node');
    const body = request.body as { changes?: unknown } | null;
    if (body && Array.isArray(body.changes) && body.changes.length > opts.maxBatch) {
      throw new HubError('too_large', `batch of ${body.changes.length} changes exceeds the limit of ${opts.maxBatch}`);
    }
    const announced = (body as { protocol?: unknown } | null)?.protocol;
    if (announced !== undefined && announced !== PROTOCOL_VERSION) {
      throw new HubError('protocol_mismatch', `push speaks protocol ${JSON.stringify(announced)}, this hub speaks ${PROTOCOL_VERSION}`);
    }
    const push = parseOr400(pushRequest, body, 'push body');
    const keys = await store.entityKeys(principal.scope);
    const validate = (change: PushChange) => {
      if (known && !known.has(change.entity)) return { code: 'unknown_entity', message: `unknown entity "${change.entity}"` };
      if (change.op === 'upsert' && change.data === null) return { code: 'validation', message: 'upsert without data' };
      const tooLarge = change.op === 'upsert' ? rowTooLarge(change.data) : null;
      if (tooLarge) return { code: 'too_large', message: tooLarge };
      // The key decides: data naming another row would make the two sides disagree on which row changed.
      const mismatch = change.op === 'upsert' ? keyMismatch(change.key, keys.get(change.entity) ?? [], change.data) : null;
      if (mismatch) return { code: 'key_mismatch', message: mismatch.message };
      return null;
    };
    const { results, committed } = await store.push(principal, push.source, push.changes, validate);
    hubFailpoint('hub:after-apply'); // committed, not yet answered
    opts.onCommitted(committed);
    return { results };
  });

  app.get('/v1/pull', async (request, reply) => {
    const principal = await authenticate(store, requestKey(request));
    requireRole(principal, 'node');
    const query = parseOr400(pullQuery, request.query, 'pull query');
    checkEntity(query.entity);
    const limit = Math.min(query.limit, opts.maxPullLimit);
    const page = await store.pull(principal.scope, query.entity, query.since, limit);
    const last = page.changes.at(-1);
    // Rows are stored as JSON text: splice them in instead of parsing and re-encoding each one.
    const parts = page.changes.map(
      (c) =>
        `{"cursor":${c.cursor},"key":${JSON.stringify(c.key)},"op":"${c.op}","data":${c.dataJson ?? 'null'},"version":${c.version},"origin":${JSON.stringify(c.origin)}}`,
    );
    reply.type('application/json; charset=utf-8');
    return `{"changes":[${parts.join(',')}],"cursor":${last ? last.cursor : query.since},"hasMore":${page.hasMore}}`;
  });

  // A node declares its entities' key columns (the hub has no schema of its own), so pushes and
  // admin writes whose data names another row than their key can be refused.
  app.put('/v1/entities', async (request) => {
    const principal = await authenticate(store, requestKey(request));
    requireRole(principal, 'node');
    const body = parseOr400(declareEntitiesRequest, request.body, 'entities body');
    const served = body.entities.filter((e) => !known || known.has(e.entity));
    await store.declareEntities(principal.scope, principal.name, served);
    return {
      declared: served.map((e) => e.entity),
      ignored: body.entities.filter((e) => known && !known.has(e.entity)).map((e) => e.entity),
    };
  });

  app.get('/v1/status', async (request) => {
    const principal = await authenticate(store, requestKey(request));
    requireRole(principal, 'node');
    const status = await store.status(principal.scope);
    return {
      protocol: PROTOCOL_VERSION,
      node: principal.name,
      scope: principal.scope,
      head: status.head,
      serverTime: new Date().toISOString(),
      entities: status.entities,
    };
  });

}
