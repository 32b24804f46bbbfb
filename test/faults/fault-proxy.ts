import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * What the proxy does to connections:
 * - `pass`: forwards both ways;
 * - `delay`: holds every chunk `ms` ± `jitterMs` (order kept);
 * - `throttle`: forwards at most `bytesPerSecond` per direction and connection;
 * - `blackhole`: accepts and reads, never forwards nor answers (a dead router);
 * - `refuse`: stops listening (connect gets ECONNREFUSED); live connections are reset;
 * - `reset-after`: forwards, then resets the client once `bytes` have come back on the connection;
 * - `drop-response`: forwards the request; when the answer starts, discards it and resets the
 *   client, so the server has done the work and the client never learns it. Only for requests
 *   whose first line matches `match` (default any), and at most `count` times (default unbounded).
 */
export type FaultMode =
  | { readonly kind: 'pass' }
  | { readonly kind: 'delay'; readonly ms: number; readonly jitterMs?: number }
  | { readonly kind: 'throttle'; readonly bytesPerSecond: number }
  | { readonly kind: 'blackhole' }
  | { readonly kind: 'refuse' }
  | { readonly kind: 'reset-after'; readonly bytes: number }
  | { readonly kind: 'drop-response'; readonly match?: RegExp; readonly count?: number };

export interface ProxyStats {
  connections: number;
  requests: number;
  responsesDropped: number;
  resets: number;
  /** Per connection accepted in blackhole mode: its first request line and ms until the client gave up and closed it. */
  readonly blackholeAborts: { request: string; ms: number }[];
}

/**
 * A loopback TCP fault proxy in front of `target` (127.0.0.1:port). `set(mode)` changes what
 * happens to new data at once; `flap(...)` alternates two modes on a schedule; `close()` ends
 * everything. Everything it does is bounded by the connections it is given.
 */
export class FaultProxy {
  readonly stats: ProxyStats = { connections: 0, requests: 0, responsesDropped: 0, resets: 0, blackholeAborts: [] };
  private mode: FaultMode = { kind: 'pass' };
  private server: Server;
  private readonly sockets = new Set<Socket>();
  private flapTimer: NodeJS.Timeout | null = null;
  private listening = false;
  private closed = false;

  private constructor(
    private readonly targetPort: number,
    private port: number,
  ) {
    this.server = this.makeServer();
  }

  /** Starts a proxy on 127.0.0.1 (port 0 = any free port) forwarding to 127.0.0.1:`targetPort`. */
  static async start(targetPort: number, port = 0): Promise<FaultProxy> {
    const proxy = new FaultProxy(targetPort, port);
    await proxy.listen();
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get current(): FaultMode {
    return this.mode;
  }

  /** Changes the fault for everything from now on (refuse/un-refuse closes or reopens the port). */
  async set(mode: FaultMode): Promise<void> {
    this.mode = mode;
    if (mode.kind === 'refuse') {
      for (const socket of this.sockets) socket.resetAndDestroy();
      if (this.listening) await this.unlisten();
    } else if (!this.listening && !this.closed) {
      await this.listen();
    }
  }

  /** Alternates `up` (for `upMs`) and `down` (for `downMs`) until `stopFlap`, `set` or `close`. */
  flap(up: FaultMode, down: FaultMode, upMs: number, downMs: number): void {
    this.stopFlap();
    let isUp = true;
    const tick = () => {
      isUp = !isUp;
      void this.set(isUp ? up : down);
      this.flapTimer = setTimeout(tick, isUp ? upMs : downMs);
    };
    void this.set(up);
    this.flapTimer = setTimeout(tick, upMs);
  }

  stopFlap(): void {
    if (this.flapTimer) clearTimeout(this.flapTimer);
    this.flapTimer = null;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.stopFlap();
    for (const socket of this.sockets) socket.destroy();
    if (this.listening) await this.unlisten();
  }

  private makeServer(): Server {
    return createServer((client) => this.onConnection(client));
  }

  private listen(): Promise<void> {
    this.server = this.makeServer();
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.port, '127.0.0.1', () => {
        this.port = (this.server.address() as { port: number }).port;
        this.listening = true;
        resolve();
      });
    });
  }

  private unlisten(): Promise<void> {
    this.listening = false;
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private track(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
  }

  private onConnection(client: Socket): void {
    this.stats.connections++;
    this.track(client);
    if (this.mode.kind === 'blackhole') {
      const since = Date.now();
      let request = '';
      client.on('data', (chunk: Buffer) => (request ||= chunk.subarray(0, 200).toString('latin1').split('\r\n')[0] ?? ''));
      client.on('close', () => this.stats.blackholeAborts.push({ request, ms: Date.now() - since }));
      return;
    }
    const upstream = createConnection({ host: '127.0.0.1', port: this.targetPort });
    this.track(upstream);
    let lastRequest = '';
    let answered = 0;
    let dropping = false;
    const kill = () => {
      if (client.destroyed) return;
      this.stats.resets++;
      client.resetAndDestroy();
      upstream.destroy();
    };
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    upstream.on('error', () => client.destroyed || client.resetAndDestroy());

    this.pipe(client, upstream, (chunk) => {
      const head = chunk.subarray(0, 200).toString('latin1');
      if (/^[A-Z]+ \S+ HTTP\/1\.[01]\r\n/.test(head)) {
        lastRequest = head.slice(0, head.indexOf('\r\n'));
        this.stats.requests++;
        dropping = false;
      }
      return this.mode.kind === 'blackhole' ? null : chunk;
    });
    this.pipe(upstream, client, (chunk) => {
      const mode = this.mode;
      if (mode.kind === 'blackhole') return null;
      if (mode.kind === 'drop-response' || dropping) {
        const matches = mode.kind === 'drop-response' && (mode.match ?? /./).test(lastRequest);
        const budget = mode.kind === 'drop-response' && (mode.count === undefined || this.stats.responsesDropped < mode.count);
        if (dropping || (matches && budget)) {
          if (!dropping) this.stats.responsesDropped++;
          dropping = true;
          kill();
          return null;
        }
      }
      if (mode.kind === 'reset-after') {
        answered += chunk.length;
        if (answered > mode.bytes) {
          const keep = chunk.length - (answered - mode.bytes);
          if (keep > 0) client.write(chunk.subarray(0, keep));
          kill();
          return null;
        }
      }
      return chunk;
    });
  }

  /** Forwards `from` → `to`, passing each chunk through `filter` (null drops it) and the delay/throttle faults. */
  private pipe(from: Socket, to: Socket, filter: (chunk: Buffer) => Buffer | null): void {
    let queue = Promise.resolve();
    from.on('data', (chunk: Buffer) => {
      const mode = this.mode;
      if (mode.kind === 'delay' || mode.kind === 'throttle') {
        const wait =
          mode.kind === 'delay'
            ? Math.max(0, mode.ms + (Math.random() * 2 - 1) * (mode.jitterMs ?? 0))
            : (chunk.length / mode.bytesPerSecond) * 1000;
        from.pause();
        queue = queue.then(
          () =>
            new Promise<void>((resolve) =>
              setTimeout(() => {
                const out = filter(chunk);
                if (out && !to.destroyed) to.write(out);
                if (!from.destroyed) from.resume();
                resolve();
              }, wait),
            ),
        );
        return;
      }
      const out = filter(chunk);
      if (out && !to.destroyed) to.write(out);
    });
    from.on('end', () => {
      void queue.then(() => to.end());
    });
  }
}
