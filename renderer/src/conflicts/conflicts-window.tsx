import { useEffect, useState } from 'preact/hooks';
import type { ConflictSummaryView } from '../../../src/contract/dto.js';
import { Confirm } from '../ui/confirm.js';
import { useUi } from '../ui/context.js';
import { ConflictDetail } from './conflict-detail.js';

/** Open conflicts by table, each openable; a whole table can be settled at once. */
export function ConflictsWindow(props: { instance: string; version: string; selected: number | null; onSelect: (id: number | null) => void }) {
  const { api, t, f, report } = useUi();
  const [list, setList] = useState<ConflictSummaryView[] | null>(null);
  const [bulk, setBulk] = useState<{ entity: string; keep: 'local' | 'remote' } | null>(null);
  const [tick, setTick] = useState(0);
  const { instance } = props;
  useEffect(() => {
    let live = true;
    api.conflicts({ instance }).then((l) => live && setList(l), report);
    return () => {
      live = false;
    };
  }, [instance, props.version, tick]);
  const refresh = () => setTick((n) => n + 1);
  const byEntity = new Map<string, ConflictSummaryView[]>();
  for (const c of list ?? []) byEntity.set(c.entity, [...(byEntity.get(c.entity) ?? []), c]);
  return (
    <div class="conflicts-window">
      <section class="card conflict-list" aria-labelledby="conflicts-title" data-testid="conflict-list">
        <h1 id="conflicts-title">{t('conflicts.title')}</h1>
        <p class="muted">{t('conflicts.intro')}</p>
        {list !== null && list.length === 0 && <p class="ok-note">{t('conflicts.none')}</p>}
        {[...byEntity].map(([entity, items]) => (
          <div key={entity} class="entity-group" data-entity={entity}>
            <h2>{entity}</h2>
            <table>
              <thead>
                <tr>
                  <th scope="col">{t('conflicts.row')}</th>
                  <th scope="col">{t('conflicts.fields')}</th>
                  <th scope="col">{t('conflicts.age')}</th>
                </tr>
              </thead>
              <tbody>
                {items.map((c) => (
                  <tr key={c.id} data-conflict={c.id} class={props.selected === c.id ? 'selected' : ''}>
                    <th scope="row">
                      <button
                        type="button"
                        class="link"
                        aria-label={t('conflicts.openOne', { entity: c.entity, row: c.rowKey })}
                        aria-current={props.selected === c.id ? 'true' : undefined}
                        onClick={() => props.onSelect(c.id)}
                      >
                        {c.rowKey}
                      </button>
                    </th>
                    <td>{c.deletedOn ? t(c.deletedOn === 'shop' ? 'conflicts.deletedShop' : 'conflicts.deletedOnline') : c.fields.join(', ')}</td>
                    <td>{f.ago(c.createdAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <div class="bulk">
              <button type="button" onClick={() => setBulk({ entity, keep: 'local' })}>
                {t('conflicts.allShop', { count: items.length, entity })}
              </button>
              <button type="button" onClick={() => setBulk({ entity, keep: 'remote' })}>
                {t('conflicts.allOnline', { count: items.length, entity })}
              </button>
            </div>
          </div>
        ))}
      </section>
      <section class="card conflict-detail">
        {props.selected === null ? (
          <p class="muted">{t('conflicts.pick')}</p>
        ) : (
          <ConflictDetail
            instance={instance}
            id={props.selected}
            onResolved={() => {
              props.onSelect(null);
              refresh();
            }}
          />
        )}
      </section>
      <Confirm
        open={bulk !== null}
        message={bulk ? `${t(bulk.keep === 'local' ? 'detail.keepShopAll' : 'detail.keepOnlineAll')} — ${t('conflicts.bulkConfirm', { entity: bulk.entity })}` : ''}
        onClose={() => setBulk(null)}
        onConfirm={() => bulk && void api.resolveEntity({ instance, entity: bulk.entity, keep: bulk.keep }).then(refresh, report)}
      />
    </div>
  );
}
