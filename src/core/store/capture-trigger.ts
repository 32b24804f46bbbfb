/** One capture trigger as the agent would install it. */
export interface CaptureTrigger {
  /** Unquoted trigger name: `<outbox>_<entity>_<event>`. */
  readonly name: string;
  /**
   * What the catalog keeps for it, compared to tell whether the installed trigger is current:
   * SQLite stores the whole CREATE statement, MySQL/MariaDB the body after `FOR EACH ROW`.
   */
  readonly definition: string;
  /** MySQL/MariaDB only: the `AFTER … ON … FOR EACH ROW` part that precedes the body. */
  readonly head?: string;
}

/** Suffixes of every trigger name the agent has ever used, so stale ones are recognised as ours. */
export const CAPTURE_SUFFIXES = ['insert', 'update', 'rekey', 'delete'] as const;
