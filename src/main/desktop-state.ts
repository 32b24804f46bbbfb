import type { StatusSnapshot } from '../contract/dto.js';
import { trackSyncing, type DesktopStatus } from './view/aggregate.js';

/**
 * The imperative shell's one piece of state: what the tray and notifications are computed from.
 * Every change goes through `update`, which recomputes `syncingSince` and tells the listeners.
 */
export class DesktopState {
  private value: DesktopStatus;
  private readonly listeners = new Set<(status: DesktopStatus) => void>();

  constructor(initial: Omit<DesktopStatus, 'now' | 'syncingSince' | 'snapshot'>) {
    this.value = { ...initial, snapshot: null, syncingSince: null, now: new Date().toISOString() };
  }

  get current(): DesktopStatus {
    return this.value;
  }

  update(patch: Partial<Omit<DesktopStatus, 'syncingSince' | 'now'>>): void {
    const now = new Date().toISOString();
    const snapshot: StatusSnapshot | null = patch.snapshot !== undefined ? patch.snapshot : this.value.snapshot;
    this.value = { ...this.value, ...patch, now, snapshot, syncingSince: trackSyncing(this.value.syncingSince, snapshot, now) };
    for (const listener of this.listeners) listener(this.value);
  }

  onChange(listener: (status: DesktopStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
