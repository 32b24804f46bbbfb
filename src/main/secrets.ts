/** What Electron's safeStorage offers here (the subset we use; injected for tests). */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plain: string): Buffer;
  decryptString(encrypted: Buffer): string;
  getSelectedStorageBackend?(): string;
}

/**
 * True when the key would be stored as plain text: on Linux without a keyring safeStorage falls
 * back to a hard-coded password (`basic_text`), which is no protection; the tray then warns.
 */
export function keyStorageIsPlainText(platform: string, storage: SafeStorageLike): boolean {
  if (!storage.isEncryptionAvailable()) return true;
  return platform === 'linux' && storage.getSelectedStorageBackend?.() === 'basic_text';
}

/** The key file's bytes for `key` (never written when encryption is unavailable). */
export function sealKey(storage: SafeStorageLike, key: string): Buffer | null {
  return storage.isEncryptionAvailable() ? storage.encryptString(key) : null;
}

/** The key from the file's bytes, or null when they cannot be opened (another user, another machine). */
export function openKey(storage: SafeStorageLike, sealed: Buffer): string | null {
  try {
    return storage.isEncryptionAvailable() ? storage.decryptString(sealed) : null;
  } catch {
    return null;
  }
}
