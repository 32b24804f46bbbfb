import { useState } from 'preact/hooks';
import type { InstanceStatusView } from '../../../src/contract/dto.js';
import { headline } from '../headline.js';
import { Confirm } from '../ui/confirm.js';
import { useUi } from '../ui/context.js';

/** The sentence that says whether anything needs the person, and the buttons to act. */
export function HeadlineBar({ status }: { status: InstanceStatusView }) {
  const { api, t, f, report } = useUi();
  const [confirmFull, setConfirmFull] = useState(false);
  const instance = status.instance;
  const { text, tone } = headline(status, t, f);
  const pause = (span: '15m' | '1h' | 'until-tomorrow') => void api.pause({ instance, for: span }).catch(report);
  return (
    <section class={`headline tone-${tone}`} aria-labelledby="headline-text">
      <h1 id="headline-text" data-testid="headline" aria-live="polite">
        {text}
      </h1>
      <p class="state">
        <span class={`dot state-${status.state}`} aria-hidden="true" />
        <span data-testid="connection">{t(`state.${status.state}`)}</span>
      </p>
      <div class="actions" role="group" aria-label={t('actions.label')}>
        <button type="button" class="primary" onClick={() => void api.syncNow({ instance }).catch(report)}>
          {t('actions.syncNow')}
        </button>
        {status.state === 'paused' ? (
          <button type="button" onClick={() => void api.resume({ instance }).catch(report)}>
            {t('actions.resume')}
          </button>
        ) : (
          <details class="menu">
            <summary>{t('actions.pause')}</summary>
            <div class="menu-items">
              <button type="button" onClick={() => pause('15m')}>
                {t('actions.pause15m')}
              </button>
              <button type="button" onClick={() => pause('1h')}>
                {t('actions.pause1h')}
              </button>
              <button type="button" onClick={() => pause('until-tomorrow')}>
                {t('actions.pauseTomorrow')}
              </button>
            </div>
          </details>
        )}
        <button type="button" onClick={() => setConfirmFull(true)}>
          {t('actions.fullResync')}
        </button>
      </div>
      <Confirm
        open={confirmFull}
        message={t('actions.fullResyncConfirm')}
        onClose={() => setConfirmFull(false)}
        onConfirm={() => void api.syncNow({ instance, full: true }).catch(report)}
      />
    </section>
  );
}
