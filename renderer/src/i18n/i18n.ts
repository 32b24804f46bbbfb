import { en, type Catalog, type MessageKey, type Plural } from './en.js';
import { es } from './es.js';
import { ptBR } from './pt-br.js';

export type Language = 'en' | 'pt-BR' | 'es';
export const LANGUAGES: readonly Language[] = ['en', 'pt-BR', 'es'];
/** Each language's name in itself (shown in the picker whatever the current language). */
export const LANGUAGE_NAMES: Readonly<Record<Language, string>> = { en: 'English', 'pt-BR': 'Português (Brasil)', es: 'Español' };
export const CATALOGS: Readonly<Record<Language, Catalog>> = { en, 'pt-BR': ptBR, es };

/** The first of the browser's / OS's preferred languages we speak; English otherwise. */
export function detectLanguage(preferred: readonly string[]): Language {
  for (const tag of preferred) {
    const lower = tag.toLowerCase();
    if (lower.startsWith('pt')) return 'pt-BR';
    if (lower.startsWith('es')) return 'es';
    if (lower.startsWith('en')) return 'en';
  }
  return 'en';
}

export type Params = Readonly<Record<string, string | number>>;
export type Translate = (key: MessageKey, params?: Params) => string;

/** A translator for one language: plural entries are chosen by `params.count`; numbers get separators. */
export function translator(language: Language): Translate {
  const catalog = CATALOGS[language];
  const plural = new Intl.PluralRules(language);
  const number = new Intl.NumberFormat(language);
  return (key, params = {}) => {
    const entry: string | Plural = catalog[key];
    const template = typeof entry === 'string' ? entry : plural.select(Number(params.count ?? 0)) === 'one' ? entry.one : entry.other;
    return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
      const value = params[name];
      if (value === undefined) return whole;
      return typeof value === 'number' ? number.format(value) : value;
    });
  };
}
