import { useState } from 'preact/hooks';
import type { OutboxEntryView, OutboxView } from '../../../src/contract/dto.js';
import { Confirm } from '../ui/confirm.js';
import { useUi } from '../ui/context.js';

/** Failed outbox entries with their reason, Retry and Discard (Discard asks first). */
export function FailedOutbox(props: { instance: string; outbox: OutboxView | null; onChanged: () => void }) {
  const { api, t, f, report } = useUi();
  const [discarding, setDiscarding] = useState<OutboxEntryView | null>(null);
  const failed = props.outbox?.entries.filter((e) => e.status === 'failed') ?? [];
  const { instance } = props;
  const act = (call: Promise<unknown>) => void call.then(props.onChanged, report);
  return (
    <section class="card" aria-labelledby="outbox-title" data-testid="failed-outbox">
      <h2 id="outbox-title">{t('outbox.title')}</h2>
      {props.outbox && props.outbox.pending > 0 && <p class="muted">{t('outbox.pendingNote', { count: props.outbox.pending })}</p>}
      {failed.length === 0 ? (
        <p class="muted">{t('outbox.none')}</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">{t('outbox.row')}</th>
              <th scope="col">{t('outbox.reason')}</th>
              <th scope="col" class="num">{t('outbox.attempts')}</th>
              <th scope="col">{t('outbox.age')}</th>
              <th scope="col">{t('outbox.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {failed.map((e) => (
              <tr key={e.seq} data-seq={e.seq} data-row={e.rowKey}>
                <th scope="row">
                  {e.entity} <span class="key">{e.rowKey}</span>
                </th>
                <td class="reason">{e.lastError ?? ''}</td>
                <td class="num">{f.number(e.attempts)}</td>
                <td class="age">{f.ago(e.createdAt)}</td>
                <td>
                  <div class="row-actions">
                  <button type="button" onClick={() => act(api.retryOutbox({ instance, seqs: [e.seq] }))}>
                    {t('outbox.retry')}
                  </button>
                  <button type="button" class="danger" onClick={() => setDiscarding(e)}>
                    {t('outbox.discard')}
                  </button>
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Confirm
        open={discarding !== null}
        message={discarding ? t('outbox.discardConfirm', { entity: discarding.entity, row: discarding.rowKey }) : ''}
        onClose={() => setDiscarding(null)}
        onConfirm={() => discarding && act(api.discardOutbox({ instance, seqs: [discarding.seq] }))}
      />
    </section>
  );
}
