import { startDesktop } from './main.js';

// The Electron entry (bundled to dist/desktop/main.js): everything lives in main.ts's registrars.
void startDesktop();
