import type { AgentApi, Channel } from '../contract/agent-api.js';
import { ApiError } from '../contract/api-error.js';
import type { IpcEvent } from '../contract/ipc.js';
import type { FromAgent, ToAgent } from './agent-messages.js';

/** The part of Electron's `UtilityProcess` we use. */
export interface UtilityProcessLike {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  on(event: 'exit', listener: (code: number) => void): unknown;
  kill(): boolean;
}

export type HostEvent = IpcEvent | { readonly name: 'ready' } | { readonly name: 'fatal'; readonly message: string } | { readonly name: 'exit'; readonly code: number };

/**
 * Main's handle on the agent's utilityProcess: an `AgentApi` whose every call is a message
 * (answered by id), the agent's events, and `stop()`, which lets the current run finish and
 * resolves when the process has exited (killed after `graceMs`).
 */
export class AgentHost {
  readonly api: AgentApi;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly listeners = new Set<(event: HostEvent) => void>();
  private exited: Promise<number>;

  constructor(private readonly child: UtilityProcessLike) {
    this.exited = new Promise((resolve) => {
      child.on('exit', (code: number) => {
        for (const call of this.pending.values()) call.reject(new ApiError('unavailable', 'the agent stopped'));
        this.pending.clear();
        this.emit({ name: 'exit', code });
        resolve(code);
      });
    });
    child.on('message', (raw: unknown) => this.receive(raw as FromAgent));
    this.api = new Proxy({} as AgentApi, {
      get: (_target, name) => (typeof name === 'string' && name !== 'then' ? (args: unknown) => this.call(name as Channel, args) : undefined),
    });
  }

  start(configPath: string, apiKey: string | null, logFile: string | null): void {
    this.post({ type: 'start', configPath, apiKey, logFile });
  }

  onEvent(listener: (event: HostEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  call(channel: Channel, args: unknown): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.post({ type: 'call', id, channel, args });
    });
  }

  /** Drains: the agent finishes its run and closes its databases; resolves with the exit code. */
  async stop(graceMs = 15_000): Promise<number> {
    this.post({ type: 'stop' });
    const timer = setTimeout(() => this.child.kill(), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  private post(message: ToAgent): void {
    this.child.postMessage(message);
  }

  private receive(message: FromAgent): void {
    switch (message.type) {
      case 'result': {
        const call = this.pending.get(message.id);
        this.pending.delete(message.id);
        if (!call) return;
        if (message.ok) call.resolve(message.value);
        else call.reject(new ApiError(message.code, message.message));
        return;
      }
      case 'event':
        return this.emit(message.event);
      case 'ready':
        return this.emit({ name: 'ready' });
      case 'fatal':
        return this.emit({ name: 'fatal', message: message.message });
      case 'stopped':
        return;
    }
  }

  private emit(event: HostEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}
