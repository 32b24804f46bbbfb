import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { AgentApi } from '../../../src/contract/agent-api.js';
import type { Formats } from '../format.js';
import type { Language, Translate } from '../i18n/i18n.js';

export interface Ui {
  readonly api: AgentApi;
  readonly t: Translate;
  readonly f: Formats;
  readonly language: Language;
  /** Shows a failed call to the person (as text). */
  readonly report: (error: unknown) => void;
}

export const UiContext = createContext<Ui | null>(null);

export function useUi(): Ui {
  const ui = useContext(UiContext);
  if (!ui) throw new Error('UiContext missing');
  return ui;
}
