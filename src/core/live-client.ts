import { io, type Socket } from 'socket.io-client';
import { z } from 'zod';
import { entityName } from '../protocol/index.js';

const changesEvent = z.object({ entity: entityName, cursor: z.number().int().nonnegative() });

export interface LiveHandlers {
  onConnect(): void;
  onDisconnect(reason: string): void;
  onChanges(entity: string, cursor: number): void;
  /** The hub refused the key: socket.io will not retry by itself. */
  onAuthRejected(message: string): void;
}

/**
 * The hub's socket.io `/sync` channel. Events are hints to pull; every (re)connect is treated as
 * a gap to fill by cursor. Reconnects back off with jitter; an auth rejection stops until `restart`.
 */
export class LiveClient {
  private socket: Socket | null = null;
  private redial: NodeJS.Timeout | null = null;

  constructor(
    private readonly url: string,
    private apiKey: string,
    private readonly handlers: LiveHandlers,
    private readonly opts: { reconnectDelayMs?: number; reconnectDelayMaxMs?: number } = {},
  ) {}

  get connected(): boolean {
    return this.socket?.connected ?? false;
  }

  start(): void {
    if (this.socket) return;
    const socket = io(`${this.url}/sync`, {
      auth: { apiKey: this.apiKey },
      transports: ['websocket'],
      reconnectionDelay: this.opts.reconnectDelayMs ?? 1000,
      // Back within ~7 s of the hub's return (5 s ± jitter), however long it was away.
      reconnectionDelayMax: this.opts.reconnectDelayMaxMs ?? 5000,
      randomizationFactor: 0.5,
      timeout: 10_000,
    });
    socket.on('connect', () => this.handlers.onConnect());
    socket.on('disconnect', (reason) => {
      this.handlers.onDisconnect(reason);
      // socket.io does not reconnect after a server-side disconnect; a revoked key then meets the
      // middleware's refusal and ends in onAuthRejected.
      if (reason === 'io server disconnect') {
        const delay = (this.opts.reconnectDelayMs ?? 1000) * (0.5 + Math.random());
        this.redial = setTimeout(() => socket.connect(), delay);
      }
    });
    socket.on('connect_error', (error) => {
      // A middleware refusal leaves the socket inactive; transport errors keep it reconnecting.
      if (!socket.active) this.handlers.onAuthRejected(error.message);
    });
    socket.on('changes', (payload: unknown) => {
      const parsed = changesEvent.safeParse(payload);
      if (parsed.success) this.handlers.onChanges(parsed.data.entity, parsed.data.cursor);
    });
    this.socket = socket;
  }

  /** Reconnects from scratch, e.g. after the key was fixed. */
  restart(apiKey = this.apiKey): void {
    this.apiKey = apiKey;
    this.stop();
    this.start();
  }

  stop(): void {
    if (this.redial) clearTimeout(this.redial);
    this.socket?.removeAllListeners();
    this.socket?.disconnect();
    this.socket = null;
  }
}
