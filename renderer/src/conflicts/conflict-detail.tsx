import { useEffect, useState } from 'preact/hooks';
import type { ConflictDetailView, ResolutionInput } from '../../../src/contract/dto.js';
import { useUi } from '../ui/context.js';

type Choice = 'local' | 'remote' | 'typed';

/** One conflict field by field: before / shop / online, the conflicting fields marked, a choice each. */
export function ConflictDetail(props: { instance: string; id: number; onResolved: () => void }) {
  const { api, t, f, report } = useUi();
  const [detail, setDetail] = useState<ConflictDetailView | null>(null);
  const [choices, setChoices] = useState<Record<string, Choice>>({});
  const [typed, setTyped] = useState<Record<string, string>>({});
  const [message, setMessage] = useState('');
  useEffect(() => {
    setChoices({});
    setTyped({});
    setMessage('');
    api.conflict({ instance: props.instance, id: props.id }).then(setDetail, report);
  }, [props.instance, props.id]);
  if (!detail) return null;
  const resolve = (resolution: ResolutionInput) =>
    void api.resolveConflict({ instance: props.instance, id: detail.id, resolution }).then(() => {
      setMessage(t('detail.resolved'));
      props.onResolved();
    }, report);
  const conflicting = detail.diff.filter((d) => d.conflicting);
  const save = () => {
    if (conflicting.some((d) => !choices[d.field])) return setMessage(t('detail.choose'));
    const fields: NonNullable<ResolutionInput['fields']> = {};
    for (const d of conflicting) {
      const choice = choices[d.field]!;
      fields[d.field] = choice === 'typed' ? { value: typed[d.field] ?? '' } : choice;
    }
    resolve({ fields });
  };
  const cell = (v: unknown) => <td class={v === null || v === undefined ? 'empty' : ''}>{f.value(v)}</td>;
  return (
    <div data-testid="conflict-detail" data-conflict={detail.id}>
      <h2>{t('detail.title', { entity: detail.entity, row: detail.rowKey })}</h2>
      {detail.deletedOn && <p class="warning">{t(detail.deletedOn === 'shop' ? 'conflicts.deletedShop' : 'conflicts.deletedOnline')}</p>}
      <table class="diff">
        <thead>
          <tr>
            <th scope="col">{t('detail.field')}</th>
            <th scope="col">{t('detail.base')}</th>
            <th scope="col">{t('detail.shop')}</th>
            <th scope="col">{t('detail.online')}</th>
            {!detail.deletedOn && <th scope="col">{t('detail.choice')}</th>}
          </tr>
        </thead>
        <tbody>
          {detail.diff.map((d) => (
            <tr key={d.field} data-field={d.field} class={d.conflicting ? 'conflicting' : ''}>
              <th scope="row">
                {d.field}
                {d.conflicting && <span class="marker">{t('detail.differs')}</span>}
              </th>
              {cell(d.base)}
              {cell(d.local)}
              {cell(d.remote)}
              {!detail.deletedOn && (
                <td>
                  {d.conflicting && (
                    <fieldset class="choice">
                      <legend class="visually-hidden">{d.field}</legend>
                      {(['local', 'remote', 'typed'] as const).map((c) => (
                        <label key={c}>
                          <input
                            type="radio"
                            name={`choice-${d.field}`}
                            value={c}
                            checked={choices[d.field] === c}
                            onChange={() => setChoices({ ...choices, [d.field]: c })}
                          />
                          {t(c === 'local' ? 'detail.keepShopValue' : c === 'remote' ? 'detail.keepOnlineValue' : 'detail.typeValue')}
                        </label>
                      ))}
                      {choices[d.field] === 'typed' && (
                        <input
                          type="text"
                          aria-label={t('detail.typedValue', { field: d.field })}
                          value={typed[d.field] ?? ''}
                          onInput={(e) => setTyped({ ...typed, [d.field]: (e.target as HTMLInputElement).value })}
                        />
                      )}
                    </fieldset>
                  )}
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
      <div class="buttons">
        <button type="button" onClick={() => resolve({ keep: 'local' })}>
          {t('detail.keepShopAll')}
        </button>
        <button type="button" onClick={() => resolve({ keep: 'remote' })}>
          {t('detail.keepOnlineAll')}
        </button>
        {!detail.deletedOn && (
          <button type="button" class="primary" onClick={save}>
            {t('detail.save')}
          </button>
        )}
      </div>
      <p role="status" class="message">
        {message}
      </p>
    </div>
  );
}
