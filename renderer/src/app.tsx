import { useEffect, useMemo, useState } from 'preact/hooks';
import type { AgentApi } from '../../src/contract/agent-api.js';
import type { StatusSnapshot } from '../../src/contract/dto.js';
import type { subscribe } from './api/client.js';
import { ConflictsWindow } from './conflicts/conflicts-window.js';
import { formats } from './format.js';
import { LANGUAGES, LANGUAGE_NAMES, detectLanguage, translator, type Language } from './i18n/i18n.js';
import { StatusWindow } from './status/status-window.js';
import { UiContext, type Ui } from './ui/context.js';

const LANGUAGE_KEY = 'dovetail.language';
type Route = { window: 'status' } | { window: 'conflicts'; id: number | null };

function readRoute(): Route {
  const match = /^#\/conflicts(?:\/(\d+))?/.exec(location.hash);
  return match ? { window: 'conflicts', id: match[1] ? Number(match[1]) : null } : { window: 'status' };
}

function storedLanguage(): Language | null {
  const value = localStorage.getItem(LANGUAGE_KEY);
  return LANGUAGES.includes(value as Language) ? (value as Language) : null;
}

/**
 * The shell: instance and language pickers, the two windows, live status over the agent's events.
 * The transport is injected (HTTP + SSE in the console; Electron's preload bridge later).
 */
export function App({ api, events }: { api: AgentApi; events: typeof subscribe }) {
  const [override, setOverride] = useState<Language | null>(storedLanguage);
  const language = override ?? detectLanguage(navigator.languages);
  const [snapshot, setSnapshot] = useState<StatusSnapshot | null>(null);
  const [connected, setConnected] = useState(true);
  const [runsVersion, setRunsVersion] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const [route, setRoute] = useState<Route>(readRoute);
  const [instance, setInstance] = useState<string | null>(null);
  const [clock, setClock] = useState(0);

  const ui = useMemo<Ui>(() => {
    const t = translator(language);
    return { api, t, f: formats(language, t), language, report: (e: unknown) => setError(e instanceof Error ? e.message : String(e)) };
  }, [api, language, clock]);

  useEffect(() => {
    document.documentElement.lang = language;
    document.title = `${ui.t('app.title')} — ${ui.t(route.window === 'status' ? 'nav.status' : 'nav.conflicts')}`;
  }, [language, route.window]);
  useEffect(() => {
    const onHash = () => setRoute(readRoute());
    addEventListener('hashchange', onHash);
    // Relative ages ("3 min ago") move on even when nothing else does.
    const timer = setInterval(() => setClock((n) => n + 1), 30_000);
    const close = events(
      (event, payload) => {
        if (event === 'status') setSnapshot(payload as StatusSnapshot);
        else setRunsVersion((n) => n + 1);
      },
      setConnected,
    );
    return () => {
      removeEventListener('hashchange', onHash);
      clearInterval(timer);
      close();
    };
  }, []);

  const t = ui.t;
  const current = snapshot?.instances.find((i) => i.instance === instance) ?? snapshot?.instances[0] ?? null;
  const pickLanguage = (value: string) => {
    if (value === 'auto') localStorage.removeItem(LANGUAGE_KEY);
    else localStorage.setItem(LANGUAGE_KEY, value);
    setOverride(value === 'auto' ? null : (value as Language));
  };
  return (
    <UiContext.Provider value={ui}>
      <header class="topbar">
        <span class="brand">{t('app.title')}</span>
        <nav aria-label={t('nav.label')}>
          <a href="#/status" aria-current={route.window === 'status' ? 'page' : undefined}>
            {t('nav.status')}
          </a>
          <a href="#/conflicts" aria-current={route.window === 'conflicts' ? 'page' : undefined} data-testid="nav-conflicts">
            {current && current.conflicts > 0 ? t('nav.conflictsCount', { count: current.conflicts }) : t('nav.conflicts')}
          </a>
        </nav>
        <div class="pickers">
          {snapshot && snapshot.instances.length > 1 && (
            <label>
              {t('app.instance')}
              <select value={current?.instance} onChange={(e) => setInstance((e.target as HTMLSelectElement).value)} data-testid="instance">
                {snapshot.instances.map((i) => (
                  <option key={i.instance} value={i.instance}>
                    {i.instance}
                  </option>
                ))}
              </select>
            </label>
          )}
          <label>
            {t('app.language')}
            <select value={override ?? 'auto'} onChange={(e) => pickLanguage((e.target as HTMLSelectElement).value)} data-testid="language">
              <option value="auto">{t('app.languageAuto')}</option>
              {LANGUAGES.map((l) => (
                <option key={l} value={l} lang={l}>
                  {LANGUAGE_NAMES[l]}
                </option>
              ))}
            </select>
          </label>
        </div>
      </header>
      <main>
        {!connected && <p class="banner problem" role="alert">{t('app.disconnected')}</p>}
        {error && (
          <p class="banner problem" role="alert" data-testid="error">
            {t('app.error', { message: error })}
            <button type="button" class="link" onClick={() => setError(null)}>
              {t('actions.back')}
            </button>
          </p>
        )}
        {!current ? (
          <p class="muted">{t('app.connecting')}</p>
        ) : route.window === 'status' ? (
          <StatusWindow status={current} runsVersion={runsVersion} />
        ) : (
          <ConflictsWindow
            instance={current.instance}
            version={`${current.conflicts}:${runsVersion}`}
            selected={route.id}
            onSelect={(id) => (location.hash = id === null ? '#/conflicts' : `#/conflicts/${id}`)}
          />
        )}
      </main>
    </UiContext.Provider>
  );
}
