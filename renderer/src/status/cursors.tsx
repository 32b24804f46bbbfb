import type { CursorView } from '../../../src/contract/dto.js';
import { useUi } from '../ui/context.js';

/** Per-table pull position and when something last arrived. */
export function Cursors({ cursors }: { cursors: readonly CursorView[] }) {
  const { t, f } = useUi();
  return (
    <section class="card" aria-labelledby="cursors-title">
      <h2 id="cursors-title">{t('cursors.title')}</h2>
      {cursors.length === 0 ? (
        <p class="muted">{t('cursors.none')}</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">{t('cursors.entity')}</th>
              <th scope="col" class="num">{t('cursors.cursor')}</th>
              <th scope="col">{t('cursors.lastSync')}</th>
            </tr>
          </thead>
          <tbody>
            {cursors.map((c) => (
              <tr key={c.entity}>
                <th scope="row">{c.entity}</th>
                <td class="num">{f.number(c.cursor)}</td>
                <td>{c.lastSyncedAt ? f.ago(c.lastSyncedAt) : t('facts.never')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
