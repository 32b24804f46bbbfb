import { describe, expect, it } from 'vitest';
import { channels } from '../../../src/contract/channels.js';
import { callNames } from '../../../src/contract/ipc.js';
import { AUTOSTART_FILE, desktopExecQuote, linuxAutostartEntry } from '../../../src/main/autostart.js';
import { keyStorageIsPlainText, openKey, sealKey, type SafeStorageLike } from '../../../src/main/secrets.js';
import { DESKTOP_CSP, appRequestPath, appResponseHeaders, isAppUrl, isExternalSafe } from '../../../src/main/security.js';
import { parseSettings } from '../../../src/main/settings.js';

describe('Linux XDG autostart entry', () => {
  it('goes to ~/.config/autostart by default', () => {
    const entry = linuxAutostartEntry({ execPath: '/opt/Dovetail/dovetail', env: { HOME: '/home/caixa' } });
    expect(entry.path).toBe(`/home/caixa/.config/autostart/${AUTOSTART_FILE}`);
    expect(entry.content).toBe(
      [
        '[Desktop Entry]',
        'Type=Application',
        'Version=1.0',
        'Name=Dovetail',
        'Comment=Keeps the shop in sync with the online system',
        'Exec=/opt/Dovetail/dovetail --hidden',
        'Icon=dovetail',
        'Terminal=false',
        'Categories=Utility;',
        'X-GNOME-Autostart-enabled=true',
        'X-GNOME-Autostart-Delay=5',
        '',
      ].join('\n'),
    );
  });

  it('honours an absolute XDG_CONFIG_HOME and ignores a relative one', () => {
    expect(linuxAutostartEntry({ execPath: '/x', env: { HOME: '/home/a', XDG_CONFIG_HOME: '/cfg' } }).path).toBe(`/cfg/autostart/${AUTOSTART_FILE}`);
    expect(linuxAutostartEntry({ execPath: '/x', env: { HOME: '/home/a', XDG_CONFIG_HOME: 'rel' } }).path).toBe(`/home/a/.config/autostart/${AUTOSTART_FILE}`);
  });

  it('starts an AppImage through $APPIMAGE, quoted per the Desktop Entry spec', () => {
    const entry = linuxAutostartEntry({ execPath: '/tmp/.mount_Dove/dovetail', env: { HOME: '/h', APPIMAGE: '/home/caixa/Apps/Dovetail 1.0.AppImage' } });
    expect(entry.content).toContain('Exec="/home/caixa/Apps/Dovetail 1.0.AppImage" --hidden');
    expect(desktopExecQuote('/a/$b"c`d\\e')).toBe('"/a/\\$b\\"c\\`d\\\\e"');
  });
});

describe('app:// requests', () => {
  const files = new Set(['index.html', 'assets/index-1.js', 'assets/style-1.css']);
  it('serves only files of the build, on our host', () => {
    expect(appRequestPath('app://dovetail/', files)).toBe('index.html');
    expect(appRequestPath('app://dovetail/index.html#/conflicts', files)).toBe('index.html');
    expect(appRequestPath('app://dovetail/assets/index-1.js', files)).toBe('assets/index-1.js');
    expect(appRequestPath('app://dovetail/assets/other.js', files)).toBeNull();
    // Dot segments, even escaped, resolve inside the build or nowhere.
    expect(appRequestPath('app://dovetail/assets/%2e%2e/index.html', files)).toBe('index.html');
    expect(appRequestPath('app://dovetail/%2e%2e/%2e%2e/package.json', files)).toBeNull();
    expect(appRequestPath('app://dovetail/assets%2f..%2f..%2fpackage.json', files)).toBeNull();
    expect(appRequestPath('app://evil/index.html', files)).toBeNull();
    expect(appRequestPath('https://dovetail/index.html', files)).toBeNull();
    expect(appRequestPath('not a url', files)).toBeNull();
  });

  it("answers with the console's CSP and hardening headers", () => {
    const headers = appResponseHeaders('assets/index-1.js');
    expect(headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(headers['content-security-policy']).toBe(DESKTOP_CSP);
    expect(DESKTOP_CSP).toContain("script-src 'self'");
    expect(DESKTOP_CSP).not.toContain('unsafe-inline');
    expect(headers['x-content-type-options']).toBe('nosniff');
  });

  it('knows our frames from others', () => {
    expect(isAppUrl('app://dovetail/index.html')).toBe(true);
    expect(isAppUrl('app://dovetai1/index.html')).toBe(false);
    expect(isAppUrl('file:///etc/passwd')).toBe(false);
    expect(isExternalSafe('https://docs.example')).toBe(true);
    expect(isExternalSafe('file:///x')).toBe(false);
  });
});

describe('the key in safeStorage', () => {
  const storage = (backend: string, available = true): SafeStorageLike => ({
    isEncryptionAvailable: () => available,
    encryptString: (s) => Buffer.from(`enc:${s}`),
    decryptString: (b) => {
      if (!b.toString().startsWith('enc:')) throw new Error('bad');
      return b.toString().slice(4);
    },
    getSelectedStorageBackend: () => backend,
  });
  it('warns when Linux falls back to plain text, or nothing can encrypt', () => {
    expect(keyStorageIsPlainText('linux', storage('basic_text'))).toBe(true);
    expect(keyStorageIsPlainText('linux', storage('gnome_libsecret'))).toBe(false);
    expect(keyStorageIsPlainText('win32', storage('unknown'))).toBe(false);
    expect(keyStorageIsPlainText('darwin', storage('unknown', false))).toBe(true);
  });
  it('seals and opens; unreadable bytes give null, never a throw', () => {
    const sealed = sealKey(storage('gnome_libsecret'), 'dvt_secret')!;
    expect(sealed.toString()).not.toBe('dvt_secret');
    expect(openKey(storage('gnome_libsecret'), sealed)).toBe('dvt_secret');
    expect(openKey(storage('gnome_libsecret'), Buffer.from('garbage'))).toBeNull();
    expect(sealKey(storage('x', false), 'k')).toBeNull();
  });
});

describe('desktop.json', () => {
  it('defaults: notifications on, 15 minutes, no auto-update', () => {
    expect(parseSettings(null)).toEqual({ notifications: true, offlineNotifyMinutes: 15 });
  });
  it('names a bad field', () => {
    expect(() => parseSettings('{"offlineNotifyMinutes": 0}')).toThrow(/offlineNotifyMinutes/);
    expect(() => parseSettings('{"updateUrl": "http://updates.example"}')).toThrow(/updateUrl/);
    expect(() => parseSettings('{"colour": "red"}')).toThrow(/desktop.json/);
    expect(parseSettings('{"updateUrl": "https://updates.example/dovetail", "notifications": false}')).toMatchObject({ notifications: false, updateUrl: 'https://updates.example/dovetail' });
  });
});

it("the preload's zod-free call list is the contract's channel list", () => {
  expect([...callNames].sort()).toEqual([...channels].sort());
});
