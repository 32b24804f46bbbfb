import type { Translate } from '../i18n/i18n.js';

/** "push" / "pull:orders" in words. */
export function moduleName(module: string, t: Translate): string {
  if (module === 'push') return t('module.push');
  if (module.startsWith('pull:')) return t('module.pull', { entity: module.slice(5) });
  return module;
}
