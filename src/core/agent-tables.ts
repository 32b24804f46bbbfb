/** Names of the agent's own tables under a configurable prefix (default `sync_`). */
export interface AgentTables {
  readonly migrations: string;
  readonly meta: string;
  readonly state: string;
  readonly outbox: string;
  readonly rows: string;
  readonly conflicts: string;
  readonly runs: string;
  readonly runLogs: string;
  /** A row here (inside the applying transaction only) tells capture triggers to stay quiet. */
  readonly captureOff: string;
  readonly sequences: string;
}

export function agentTables(prefix: string): AgentTables {
  return {
    migrations: `${prefix}migrations`,
    meta: `${prefix}meta`,
    state: `${prefix}state`,
    outbox: `${prefix}outbox`,
    rows: `${prefix}rows`,
    conflicts: `${prefix}conflicts`,
    runs: `${prefix}runs`,
    runLogs: `${prefix}run_logs`,
    captureOff: `${prefix}capture_off`,
    sequences: `${prefix}sequences`,
  };
}
