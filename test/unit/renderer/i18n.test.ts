import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { en } from '../../../renderer/src/i18n/en.js';
import { CATALOGS, LANGUAGES, detectLanguage, translator } from '../../../renderer/src/i18n/i18n.js';

/** The parameters an entry uses, across its plural forms (a form may leave out {count}). */
const placeholders = (value: unknown): string[] => [...new Set([...JSON.stringify(value).matchAll(/\{(\w+)\}/g)].map((m) => m[1]!))].sort();

const RENDERER = join(import.meta.dirname, '..', '..', '..', 'renderer', 'src');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.tsx') ? [join(dir, e.name)] : [],
  );
}

describe('message catalogs', () => {
  test.each(LANGUAGES)('%s has every English key, with the same shape and parameters', (language) => {
    const catalog = CATALOGS[language] as Record<string, unknown>;
    const missing = Object.keys(en).filter((k) => !(k in catalog));
    const extra = Object.keys(catalog).filter((k) => !(k in en));
    expect({ missing, extra }).toEqual({ missing: [], extra: [] });
    for (const [key, value] of Object.entries(en)) {
      const other = catalog[key];
      expect(typeof other, key).toBe(typeof value);
      if (typeof other === 'string') expect(other.trim(), key).not.toBe('');
      expect(placeholders(other), key).toEqual(placeholders(value));
    }
  });

  test('every key used in the windows exists', () => {
    const used = new Set<string>();
    for (const file of sources(RENDERER)) {
      for (const m of readFileSync(file, 'utf8').matchAll(/\bt\(\s*['`]([\w.-]+)/g)) used.add(m[1]!);
    }
    // Template keys (`state.${…}`) are checked by prefix.
    const unknown = [...used].filter((k) => !(k in en) && !Object.keys(en).some((key) => k.endsWith('.') && key.startsWith(k)));
    expect(unknown).toEqual([]);
  });

  test('no UI text is written in the windows outside the catalogs', () => {
    const offenders: string[] = [];
    for (const file of sources(RENDERER)) {
      // JSX text between tags: letters outside {…} expressions.
      for (const m of readFileSync(file, 'utf8').matchAll(/>([^<>{}]*[A-Za-zÀ-ÿ]{2,}[^<>{}]*)</g)) {
        if (!/=>|&&|\?|\(|\)|;/.test(m[1]!)) offenders.push(`${file.slice(RENDERER.length)}: ${m[1]!.trim()}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  test('language from the browser, plurals and number separators', () => {
    expect(detectLanguage(['pt-PT', 'en'])).toBe('pt-BR');
    expect(detectLanguage(['es-AR'])).toBe('es');
    expect(detectLanguage(['de-DE', 'fr'])).toBe('en');
    expect(translator('en')('headline.conflicts', { count: 1 })).toBe('1 conflict needs you');
    expect(translator('pt-BR')('headline.conflicts', { count: 2 })).toBe('2 conflitos precisam de você');
    expect(translator('en')('outbox.pendingNote', { count: 12345 })).toBe('12,345 changes are waiting to be sent.');
    expect(translator('pt-BR')('outbox.pendingNote', { count: 12345 })).toBe('12.345 alterações estão esperando envio.');
  });
});
