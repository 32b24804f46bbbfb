import { useEffect, useState } from 'preact/hooks';
import type { InstanceStatusView, OutboxView, RunView } from '../../../src/contract/dto.js';
import { useUi } from '../ui/context.js';
import { CurrentRun } from './current-run.js';
import { Cursors } from './cursors.js';
import { Facts } from './facts.js';
import { FailedOutbox } from './failed-outbox.js';
import { HeadlineBar } from './headline-bar.js';
import { History } from './history.js';

/** The status window: a pure view of the status snapshot, plus outbox and history it fetches. */
export function StatusWindow({ status, runsVersion }: { status: InstanceStatusView; runsVersion: number }) {
  const { api, report } = useUi();
  const [outbox, setOutbox] = useState<OutboxView | null>(null);
  const [runs, setRuns] = useState<RunView[]>([]);
  const [tick, setTick] = useState(0);
  const instance = status.instance;
  // Refetch when the counts move, a run finishes, or an action changed something.
  const version = `${instance}:${status.pending}:${status.failed}:${runsVersion}:${tick}`;
  useEffect(() => {
    let live = true;
    api.outbox({ instance }).then((o) => live && setOutbox(o), report);
    api.runs({ instance, limit: 15 }).then((r) => live && setRuns(r), report);
    return () => {
      live = false;
    };
  }, [version]);
  return (
    <div class="status-window">
      <HeadlineBar status={status} />
      <div class="columns">
        <div class="column">
          <Facts status={status} />
          <CurrentRun status={status} />
          <Cursors cursors={status.cursors} />
        </div>
        <div class="column">
          <FailedOutbox instance={instance} outbox={outbox} onChanged={() => setTick((n) => n + 1)} />
          <History instance={instance} runs={runs} />
        </div>
      </div>
    </div>
  );
}
