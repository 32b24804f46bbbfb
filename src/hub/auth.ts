import type { FastifyRequest } from 'fastify';
import { API_KEY_HEADER, PROTOCOL_HEADER, PROTOCOL_VERSION } from '../protocol/index.js';
import { HubError } from './hub-error.js';
import type { HubStore, Principal } from './hub-store.js';

/** Resolves the request's `X-API-Key` to a principal: 401 for a missing or unknown key, 403 for a revoked one. */
export async function authenticate(store: HubStore, apiKey: unknown): Promise<Principal> {
  if (typeof apiKey !== 'string' || apiKey === '') throw new HubError('unauthorized', 'missing X-API-Key header');
  const found = await store.lookupKey(apiKey);
  if (found.status === 'ok') return found.principal;
  if (found.status === 'revoked') throw new HubError('forbidden', 'API key has been revoked');
  throw new HubError('unauthorized', 'unknown API key');
}

export function requestKey(request: FastifyRequest): unknown {
  return request.headers[API_KEY_HEADER];
}

/** A request announcing another protocol version is refused with a message saying which. */
export function checkProtocol(request: FastifyRequest): void {
  const announced = request.headers[PROTOCOL_HEADER];
  if (announced !== undefined && announced !== String(PROTOCOL_VERSION)) {
    throw new HubError(
      'protocol_mismatch',
      `client speaks protocol ${String(announced)}, this hub speaks ${PROTOCOL_VERSION}: upgrade the older side`,
    );
  }
}

export function requireRole(principal: Principal, role: Principal['role']): void {
  if (principal.role !== role) throw new HubError('forbidden', `this endpoint needs a ${role} key`);
}

export function requireScope(principal: Principal, scope: string): void {
  if (principal.scope !== '*' && principal.scope !== scope) {
    throw new HubError('forbidden', `key is not allowed on scope "${scope}"`);
  }
}
