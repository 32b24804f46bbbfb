import { mergeRequests, type SyncRequest } from './sync-request.js';

/**
 * Runs at most one sync at a time. A request arriving during a run joins ONE follow-up run (all
 * such requests merge); each caller's promise settles with the run that covered its request.
 */
export class SingleFlight<R> {
  private running = false;
  private pending: { request: SyncRequest; resolvers: ((result: R) => void)[]; rejecters: ((error: unknown) => void)[] } | null = null;
  private controller: AbortController | null = null;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly execute: (request: SyncRequest, signal: AbortSignal) => Promise<R>) {}

  get busy(): boolean {
    return this.running;
  }

  get queued(): boolean {
    return this.pending !== null;
  }

  request(request: SyncRequest): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      if (this.pending) {
        this.pending.request = mergeRequests(this.pending.request, request);
        this.pending.resolvers.push(resolve);
        this.pending.rejecters.push(reject);
      } else {
        this.pending = { request, resolvers: [resolve], rejecters: [reject] };
      }
      if (!this.running) void this.loop();
    });
  }

  /** Aborts the run in progress (honoured between batches); queued requests still run. */
  cancel(): boolean {
    if (!this.controller) return false;
    this.controller.abort();
    return true;
  }

  /** Resolves when no run is in progress or queued. */
  idle(): Promise<void> {
    if (!this.running && !this.pending) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private async loop(): Promise<void> {
    this.running = true;
    while (this.pending) {
      const { request, resolvers, rejecters } = this.pending;
      this.pending = null;
      this.controller = new AbortController();
      try {
        const result = await this.execute(request, this.controller.signal);
        resolvers.forEach((r) => r(result));
      } catch (error) {
        rejecters.forEach((r) => r(error));
      } finally {
        this.controller = null;
      }
    }
    this.running = false;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    waiters.forEach((w) => w());
  }
}
