import { useState } from 'preact/hooks';
import type { RunDetail, RunView } from '../../../src/contract/dto.js';
import { useUi } from '../ui/context.js';
import { moduleName } from './module-name.js';

/** Run history, newest first; each run opens to its per-module results and log. */
export function History(props: { instance: string; runs: readonly RunView[] }) {
  const { api, t, f, report } = useUi();
  const [open, setOpen] = useState<RunDetail | null>(null);
  const toggle = (id: number) => {
    if (open?.run.id === id) return setOpen(null);
    api.run({ instance: props.instance, id }).then(setOpen, report);
  };
  return (
    <section class="card history" aria-labelledby="history-title" data-testid="history">
      <h2 id="history-title">{t('history.title')}</h2>
      {props.runs.length === 0 ? (
        <p class="muted">{t('history.none')}</p>
      ) : (
        <ul class="runs">
          {props.runs.map((run) => (
            <li key={run.id} data-run={run.id} data-status={run.status}>
              <div class="run-line">
                <span class="run-name">{t('history.run', { id: run.id })}</span>
                <time title={f.dateTime(run.createdAt)}>{f.time(run.createdAt)}</time>
                <span class={`badge run-${run.status}`}>{t(`runStatus.${run.status}`)}</span>
                <span class="moved">
                  ↑ {f.number(run.stats.pushed)} ↓ {f.number(run.stats.pulled)}
                </span>
                <button type="button" class="link" aria-expanded={open?.run.id === run.id} onClick={() => toggle(run.id)}>
                  {open?.run.id === run.id ? t('history.hideLog') : t('history.showLog')}
                </button>
              </div>
              {run.error && <p class="reason">{run.error}</p>}
              {open?.run.id === run.id && (
                <div class="run-detail" aria-label={t('history.logFor', { id: run.id })} role="region">
                  <ul class="modules">
                    {Object.entries(open.run.progress).map(([m, p]) => (
                      <li key={m}>
                        {moduleName(m, t)}: {t(`moduleStatus.${p.status}`)} · {f.number(p.processed)}
                      </li>
                    ))}
                  </ul>
                  {open.logs.length === 0 ? (
                    <p class="muted">{t('history.noLog')}</p>
                  ) : (
                    <ul class="log" data-testid="run-log">
                      {open.logs.map((l, i) => (
                        <li key={i} class={`log-${l.level}`}>
                          <time>{f.time(l.at)}</time> {l.message}
                        </li>
                      ))}
                    </ul>
                  )}
                </div>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
