import type { Server as HttpServer } from 'node:http';
import { Server } from 'socket.io';
import { authenticate } from './auth.js';
import type { CommittedChange, HubStore } from './hub-store.js';

export const LIVE_NAMESPACE = '/sync';

/**
 * socket.io namespace `/sync`: a node connects with `auth: { apiKey }`, joins its scope's room and
 * receives `changes { entity, cursor }` after each commit. Events are hints: nodes pull by cursor.
 */
export class LiveChannel {
  readonly io: Server;
  private readonly sweep: NodeJS.Timeout;

  /** `sweepMs`: how often connected keys are re-checked, so a key revoked elsewhere (CLI) is dropped. */
  constructor(server: HttpServer, private readonly store: HubStore, sweepMs = 5000) {
    this.io = new Server(server, { serveClient: false, maxHttpBufferSize: 64 * 1024 });
    const nsp = this.io.of(LIVE_NAMESPACE);
    nsp.use((socket, next) => {
      const apiKey = (socket.handshake.auth as { apiKey?: unknown }).apiKey;
      authenticate(store, apiKey).then(
        (principal) => {
          if (principal.role !== 'node') return next(new Error('forbidden: live channel needs a node key'));
          (socket.data as { keyId?: string }).keyId = principal.keyId;
          void socket.join(`scope:${principal.scope}`);
          void socket.join(`key:${principal.keyId}`);
          next();
        },
        (error: Error & { code?: string }) => next(new Error(`${error.code ?? 'unauthorized'}: ${error.message}`)),
      );
    });
    this.sweep = setInterval(() => void this.dropRevoked(), sweepMs);
    this.sweep.unref();
  }

  private async dropRevoked(): Promise<void> {
    const keys = new Set<string>();
    for (const socket of this.io.of(LIVE_NAMESPACE).sockets.values()) {
      const keyId = (socket.data as { keyId?: string }).keyId;
      if (keyId) keys.add(keyId);
    }
    for (const keyId of keys) {
      if (!(await this.store.isKeyActive(keyId))) this.disconnectKey(keyId);
    }
  }

  /** Announces the highest cursor per (scope, entity) of a commit. */
  announce(changes: readonly CommittedChange[]): void {
    const latest = new Map<string, CommittedChange>();
    for (const c of changes) latest.set(`${c.scope}\u0000${c.entity}`, c);
    const nsp = this.io.of(LIVE_NAMESPACE);
    for (const c of latest.values()) nsp.to(`scope:${c.scope}`).emit('changes', { entity: c.entity, cursor: c.cursor });
  }

  /** Drops every socket opened with a key, e.g. after it was revoked. */
  disconnectKey(keyId: string): void {
    this.io.of(LIVE_NAMESPACE).in(`key:${keyId}`).disconnectSockets(true);
  }

  close(): Promise<void> {
    clearInterval(this.sweep);
    return new Promise((resolve) => {
      void this.io.close(() => resolve());
    });
  }
}
