import { arch, platform } from 'node:os';
import type { AgentApi, AgentEvents, EventName } from '../contract/agent-api.js';
import { ApiError } from '../contract/api-error.js';
import type { PauseFor } from '../contract/args.js';
import type { Diagnostics, StatusSnapshot } from '../contract/dto.js';
import type { Agent } from '../core/agent.js';
import { pauseUntil } from '../core/connection-state.js';
import { SyncError, describeError } from '../core/errors.js';
import { listOutboxEntries } from '../core/outbox-entries.js';
import type { EntityState } from '../core/state-store.js';
import { redact } from './redact.js';
import { conflictDetailView, conflictSummaryView, runView, statusView } from './views.js';

type Listener<E extends EventName> = (payload: AgentEvents[E]) => void;

export interface AgentServiceOptions {
  /** Where a failure of a fire-and-forget call (sync now) is reported. */
  readonly onError?: (message: string) => void;
  /** The desktop app's login item; absent = not supported (the console). */
  readonly loginItem?: { get(): boolean; set(enabled: boolean): void };
}

/**
 * The one server-side AgentApi: every call over the running `Agent`s of a config (all its
 * instances). The console serves it over HTTP, Electron's main over IPC. Arguments arrive parsed
 * (see `dispatch`); engine failures become `ApiError`s.
 */
export class AgentService implements AgentApi {
  private readonly cursors = new Map<string, readonly EntityState[]>();
  private readonly listeners = { status: new Set<Listener<'status'>>(), runFinished: new Set<Listener<'runFinished'>>() };
  private readonly unsubscribe: (() => void)[] = [];
  private statusTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly agents: readonly Agent[],
    private readonly opts: AgentServiceOptions = {},
  ) {
    for (const agent of agents) {
      this.unsubscribe.push(agent.onStatus(() => this.emitStatusSoon()));
      this.unsubscribe.push(
        agent.onRun((summary) => {
          void this.refreshCursors(agent)
            .then(() => agent.engine.runs.get(summary.runId))
            .then((found) => {
              if (found) this.emit('runFinished', { instance: agent.engine.config.name, run: runView(found.run) });
              this.emitStatusSoon();
            })
            .catch((error: unknown) => this.opts.onError?.(describeError(error)));
        }),
      );
    }
  }

  /** Reads every instance's cursors once; call before serving. */
  async init(): Promise<void> {
    for (const agent of this.agents) await this.refreshCursors(agent);
  }

  /** Subscribes to a push event; returns the unsubscribe. */
  on<E extends EventName>(event: E, listener: Listener<E>): () => void {
    const set = this.listeners[event] as Set<Listener<E>>;
    set.add(listener);
    return () => set.delete(listener);
  }

  close(): void {
    for (const off of this.unsubscribe) off();
    if (this.statusTimer) clearTimeout(this.statusTimer);
  }

  snapshot(): StatusSnapshot {
    return {
      at: new Date().toISOString(),
      instances: this.agents.map((a) => statusView(a.status(), this.cursors.get(a.engine.config.name) ?? [])),
    };
  }

  status(): Promise<StatusSnapshot> {
    return Promise.resolve(this.snapshot());
  }

  syncNow(args: { instance?: string; full?: boolean }): Promise<{ started: string[] }> {
    const picked = this.pick(args.instance);
    for (const agent of picked) {
      agent.syncNow({ full: args.full }).catch((error: unknown) => this.opts.onError?.(describeError(error)));
    }
    return Promise.resolve({ started: picked.map((a) => a.engine.config.name) });
  }

  cancel(args: { instance?: string }): Promise<{ canceled: number }> {
    return Promise.resolve({ canceled: this.pick(args.instance).filter((a) => a.cancel()).length });
  }

  pause(args: { instance?: string; for: PauseFor }): Promise<{ pausedUntil: string | null }> {
    const until = pauseUntil(args.for);
    for (const agent of this.pick(args.instance)) agent.pause(until);
    return Promise.resolve({ pausedUntil: until?.toISOString() ?? null });
  }

  resume(args: { instance?: string }): Promise<{ resumed: number }> {
    const picked = this.pick(args.instance);
    for (const agent of picked) agent.resume();
    return Promise.resolve({ resumed: picked.length });
  }

  async outbox(args: { instance: string }) {
    const { engine } = this.one(args.instance);
    const counts = await engine.outbox.counts();
    return { pending: counts.pending, failed: counts.failed, oldestPendingAt: counts.oldestPendingAt, entries: await listOutboxEntries(engine, 100) };
  }

  async retryOutbox(args: { instance: string; seqs: number[] }) {
    const agent = this.one(args.instance);
    const count = await agent.engine.outbox.retryFailed(args.seqs);
    if (count > 0) agent.syncNow().catch((error: unknown) => this.opts.onError?.(describeError(error)));
    return { count };
  }

  async discardOutbox(args: { instance: string; seqs: number[] }) {
    const count = await this.one(args.instance).engine.outbox.discardFailed(args.seqs);
    this.emitStatusSoon();
    return { count };
  }

  async runs(args: { instance: string; limit?: number }) {
    return (await this.one(args.instance).engine.runs.list(args.limit ?? 20)).map(runView);
  }

  async run(args: { instance: string; id: number }) {
    const found = await this.one(args.instance).engine.runs.get(args.id);
    return found ? { run: runView(found.run), logs: found.logs.map((l) => ({ ...l })) } : null;
  }

  async conflicts(args: { instance: string }) {
    const open = await this.one(args.instance).engine.conflicts.list({ status: 'open', limit: 500 });
    return open.map(conflictSummaryView).reverse();
  }

  async conflict(args: { instance: string; id: number }) {
    const view = await this.one(args.instance).engine.viewConflict(args.id);
    return view ? conflictDetailView(view) : null;
  }

  async resolveConflict(args: { instance: string; id: number; resolution: { keep?: 'local' | 'remote'; fields?: Record<string, unknown> } }) {
    const agent = this.one(args.instance);
    const outcome = await this.engineCall(() =>
      agent.engine.resolveConflict(args.id, args.resolution as Parameters<typeof agent.engine.resolveConflict>[1]),
    );
    this.afterResolve(agent);
    return { status: outcome.status };
  }

  async resolveEntity(args: { instance: string; entity: string; keep: 'local' | 'remote' }) {
    const agent = this.one(args.instance);
    const resolved = await this.engineCall(() => agent.engine.resolveAllConflicts(args.entity, args.keep));
    this.afterResolve(agent);
    return { resolved };
  }

  getStartAtLogin() {
    const item = this.opts.loginItem;
    return Promise.resolve({ supported: item !== undefined, enabled: item?.get() ?? false });
  }

  setStartAtLogin(args: { enabled: boolean }) {
    this.opts.loginItem?.set(args.enabled);
    return this.getStartAtLogin();
  }

  async exportDiagnostics(): Promise<Diagnostics> {
    const snapshot = this.snapshot();
    const instances = [];
    for (const [i, agent] of this.agents.entries()) {
      const name = agent.engine.config.name;
      const runs = [];
      for (const run of await agent.engine.runs.list(10)) {
        const detail = await this.run({ instance: name, id: run.id });
        if (detail) runs.push(detail);
      }
      instances.push({ config: redact(agent.engine.config), status: snapshot.instances[i]!, outbox: await this.outbox({ instance: name }), runs });
    }
    return { generatedAt: new Date().toISOString(), node: process.version, platform: `${platform()}-${arch()}`, instances };
  }

  private afterResolve(agent: Agent): void {
    // The resolution waits in the outbox: push it now rather than at the next trigger.
    agent.syncNow().catch((error: unknown) => this.opts.onError?.(describeError(error)));
  }

  private async engineCall<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      if (error instanceof SyncError && error.code === 'config') throw new ApiError('bad_request', error.message);
      throw error;
    }
  }

  private pick(instance: string | undefined): Agent[] {
    return instance === undefined ? [...this.agents] : [this.one(instance)];
  }

  private one(instance: string): Agent {
    const agent = this.agents.find((a) => a.engine.config.name === instance);
    if (!agent) throw new ApiError('not_found', `no instance named "${instance}"`);
    return agent;
  }

  private async refreshCursors(agent: Agent): Promise<void> {
    this.cursors.set(agent.engine.config.name, await agent.engine.state.all());
  }

  /** Status changes come in bursts (one per module progress): coalesce them to one event per ~50 ms. */
  private emitStatusSoon(): void {
    if (this.statusTimer) return;
    this.statusTimer = setTimeout(() => {
      this.statusTimer = null;
      this.emit('status', this.snapshot());
    }, 50);
  }

  private emit<E extends EventName>(event: E, payload: AgentEvents[E]): void {
    for (const listener of this.listeners[event] as Set<Listener<E>>) listener(payload);
  }
}
