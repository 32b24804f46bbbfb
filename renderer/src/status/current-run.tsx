import { useEffect, useState } from 'preact/hooks';
import type { InstanceStatusView, RunLogView } from '../../../src/contract/dto.js';
import { useUi } from '../ui/context.js';
import { moduleName } from './module-name.js';

/** The run in progress: each module's state and counts, live, its latest log lines, Cancel. */
export function CurrentRun({ status }: { status: InstanceStatusView }) {
  const { api, t, f, report } = useUi();
  const run = status.currentRun;
  const [logs, setLogs] = useState<RunLogView[]>([]);
  const progressKey = run ? JSON.stringify(run.progress) : '';
  useEffect(() => {
    if (!run?.id) return setLogs([]);
    let live = true;
    api
      .run({ instance: status.instance, id: run.id })
      .then((detail) => live && setLogs(detail?.logs.slice(-5) ?? []))
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [run?.id, progressKey]);
  return (
    <section class="card" aria-labelledby="run-title" data-testid="current-run">
      <h2 id="run-title">
        {run && <span class="spinner" aria-hidden="true" />}
        {t('run.title')}
      </h2>
      {!run ? (
        <p class="muted">{t('run.idle')}</p>
      ) : (
        <>
          <table>
            <thead>
              <tr>
                <th scope="col">{t('run.module')}</th>
                <th scope="col">{t('run.status')}</th>
                <th scope="col" class="num">{t('run.processed')}</th>
                <th scope="col" class="num">{t('run.errors')}</th>
              </tr>
            </thead>
            <tbody>
              {Object.entries(run.progress).map(([module, p]) => (
                <tr key={module} data-module={module} data-status={p.status}>
                  <th scope="row">{moduleName(module, t)}</th>
                  <td class={`module-${p.status}`}>{t(`moduleStatus.${p.status}`)}</td>
                  <td class="num">{f.number(p.processed)}</td>
                  <td class="num">{f.number(p.errors)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {logs.length > 0 && (
            <>
              <h3>{t('run.recentLog')}</h3>
              <ul class="log">
                {logs.map((l, i) => (
                  <li key={i}>
                    <time>{f.time(l.at)}</time> {l.message}
                  </li>
                ))}
              </ul>
            </>
          )}
          <button type="button" onClick={() => void api.cancel({ instance: status.instance }).catch(report)}>
            {t('run.cancel')}
          </button>
        </>
      )}
    </section>
  );
}
