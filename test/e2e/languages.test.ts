import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { CATALOGS, LANGUAGES } from '../../renderer/src/i18n/i18n.js';
import { test, waitFor } from '../helpers/fixtures.js';
import { axeProblems, launchChromium, screenshot } from './browser.js';
import { startConsoleRig } from './console-harness.js';

const KEYS = new Set(Object.keys(CATALOGS.en));

/** Text that betrays a missing message: a catalog key or an unfilled {parameter}. */
async function untranslated(page: Page): Promise<string[]> {
  const text = await page.locator('body').innerText();
  const keys = (text.match(/\b[a-zA-Z]+\.[a-zA-Z-]+(?:\.[A-Za-z]+)?\b/g) ?? []).filter((word) => KEYS.has(word));
  return [...keys, ...(text.match(/\{\w+\}/g) ?? [])];
}

/**
 * Every window in every language, chosen from the browser's language and by the manual picker:
 * no catalog key or placeholder left on screen, the page's lang set, axe-core clean.
 */
describe('languages', { timeout: 90_000 }, () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  test('each language renders the status and conflicts windows with no missing key', async ({ dir }) => {
    const rig = await startConsoleRig(dir);
    try {
      await rig.put('customers', 'c-1', { id: 'c-1', first_name: 'Ana', email: 'a@x', phone: '1', notes: null });
      await waitFor(() => rig.local('customers', 'c-1'), 10_000, 'the customer');
      await waitFor(() => !rig.agent.status().running, 5000, 'the run to end');
      rig.agent.pause(null);
      rig.pos.prepare("UPDATE customers SET first_name = 'Ana Maria' WHERE id = 'c-1'").run();
      await rig.put('customers', 'c-1', { id: 'c-1', first_name: 'Ana Clara', email: 'a@x', phone: '1', notes: null });
      rig.agent.resume();
      await waitFor(async () => (await rig.engine.conflicts.countOpen()) === 1, 10_000, 'the conflict');
      const expected = { 'en-US': ['en', '1 conflict needs you'], 'pt-BR': ['pt-BR', '1 conflito precisa de você'], 'es-ES': ['es', '1 conflicto te necesita'] } as const;
      for (const [locale, [lang, headline]] of Object.entries(expected)) {
        const { context, page, watch } = await rig.open(browser, { locale });
        await expect.poll(() => page.getByTestId('headline').textContent()).toBe(headline);
        expect(await page.getAttribute('html', 'lang')).toBe(lang);
        expect(await untranslated(page), `${locale} status`).toEqual([]);
        if (lang === 'pt-BR') await screenshot(page, 'status-pt-br');
        expect(await axeProblems(page), `${locale} status`).toEqual([]);
        await page.getByTestId('nav-conflicts').click();
        await page.locator('tr[data-conflict] button').first().click();
        await page.getByTestId('conflict-detail').waitFor();
        expect(await untranslated(page), `${locale} conflicts`).toEqual([]);
        if (lang === 'pt-BR') await screenshot(page, 'conflict-detail-pt-br');
        expect(await axeProblems(page), `${locale} conflicts`).toEqual([]);
        expect(watch.dialogs).toEqual([]);
        await context.close();
      }
      expect(LANGUAGES).toEqual(['en', 'pt-BR', 'es']);
    } finally {
      await rig.close();
    }
  });

  test('the manual picker overrides the browser language and is remembered', async ({ dir }) => {
    const rig = await startConsoleRig(dir);
    try {
      const { context, page } = await rig.open(browser, { locale: 'en-US' });
      await page.getByTestId('language').selectOption('es');
      await expect.poll(() => page.getByTestId('headline').textContent()).toMatch(/^Todo está al día · sincronizado a las /);
      await page.reload();
      await expect.poll(() => page.getByTestId('headline').textContent()).toMatch(/^Todo está al día/);
      expect(await untranslated(page)).toEqual([]);
      await context.close();
    } finally {
      await rig.close();
    }
  });
});
