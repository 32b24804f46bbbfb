import { z } from 'zod';

/** The desktop app's own settings (`desktop.json` in the app's data folder); all optional. */
export const desktopSettings = z.strictObject({
  /** Notifications when a person must act; false switches them off. */
  notifications: z.boolean().default(true),
  /** Offline longer than this many minutes is announced. */
  offlineNotifyMinutes: z.number().int().min(1).max(24 * 60).default(15),
  /** A `generic` electron-updater feed (https); absent = no auto-update (the default). */
  updateUrl: z.url({ protocol: /^https$/ }).optional(),
});
export type DesktopSettings = z.infer<typeof desktopSettings>;

/** Parses the settings file's text; a missing file is the defaults, a bad one names the field. */
export function parseSettings(text: string | null): DesktopSettings {
  if (text === null) return desktopSettings.parse({});
  const result = desktopSettings.safeParse(JSON.parse(text));
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  throw new Error(`desktop.json: ${issue.path.join('.') || '(file)'}: ${issue.message}`);
}
