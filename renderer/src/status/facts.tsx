import type { InstanceStatusView } from '../../../src/contract/dto.js';
import { useUi } from '../ui/context.js';

/** Connection, last success vs last attempt, pending / failed / oldest pending. */
export function Facts({ status }: { status: InstanceStatusView }) {
  const { api, t, f, report } = useUi();
  // A support bundle (redacted config, status, runs, outbox) saved as a JSON file.
  const saveDiagnostics = () =>
    void api.exportDiagnostics({}).then((bundle) => {
      const link = document.createElement('a');
      link.href = URL.createObjectURL(new Blob([JSON.stringify(bundle, null, 2)], { type: 'application/json' }));
      link.download = `dovetail-diagnostics-${bundle.generatedAt.replace(/[:.]/g, '-')}.json`;
      link.click();
      setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
    }, report);
  const when = (iso: string | null) => (iso ? `${f.time(iso)} · ${f.ago(iso)}` : t('facts.never'));
  const rows: [string, string, string][] = [
    ['connection', t('facts.connection'), t(`state.${status.state}`)],
    ['last-success', t('facts.lastSuccess'), when(status.lastSuccessAt)],
    ['last-attempt', t('facts.lastAttempt'), when(status.lastAttemptAt)],
    ['pending', t('facts.pending'), f.number(status.pending)],
    ['failed', t('facts.failed'), f.number(status.failed)],
    ['oldest', t('facts.oldest'), status.oldestPendingAgeMs === null ? t('facts.none') : f.duration(status.oldestPendingAgeMs)],
  ];
  if (status.nextRetryAt) rows.push(['next-try', t('facts.nextTry'), f.time(status.nextRetryAt)]);
  if (status.lastError) rows.push(['last-error', t('facts.lastError'), status.lastError]);
  return (
    <section class="card" aria-labelledby="facts-title">
      <h2 id="facts-title">{t('facts.title')}</h2>
      <dl class="facts">
        {rows.map(([id, label, value]) => (
          <div key={id} data-fact={id}>
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
      <button type="button" class="link diagnostics" onClick={saveDiagnostics}>
        {t('actions.diagnostics')}
      </button>
    </section>
  );
}
