/**
 * The tray's and the notifications' words in the windows' three languages. Each catalog must
 * satisfy `TrayMessages`, so a missing string fails the typecheck.
 */
export type TrayLocale = 'en' | 'pt-br' | 'es';
export const TRAY_LOCALES: readonly TrayLocale[] = ['en', 'pt-br', 'es'];

export interface TrayMessages {
  readonly app: string;
  readonly state: { readonly [S in 'online' | 'polling' | 'offline' | 'auth-error' | 'paused' | 'syncing' | 'starting' | 'error']: string };
  readonly pending: (n: string) => string;
  readonly refused: (n: string) => string;
  readonly conflicts: (n: number, formatted: string) => string;
  readonly synced: (time: string) => string;
  // headlines, most urgent first
  readonly authRejected: string;
  readonly databaseUnreachable: string;
  readonly agentProblem: (message: string) => string;
  readonly conflictsNeedYou: (n: number, formatted: string) => string;
  readonly refusedChanges: (n: number, formatted: string) => string;
  readonly pausedUntil: (time: string) => string;
  readonly paused: string;
  readonly offlineSince: (time: string, n: number, formatted: string) => string;
  readonly offline: (n: number, formatted: string) => string;
  readonly syncingNow: string;
  readonly starting: string;
  readonly lastFailed: (message: string) => string;
  readonly upToDate: string;
  readonly upToDateSynced: (time: string) => string;
  // status lines
  readonly lastSuccessVsAttempt: (success: string, attempt: string) => string;
  readonly never: string;
  readonly queue: (pending: string, failed: string) => string;
  readonly connection: (state: string) => string;
  readonly nextTry: (time: string) => string;
  readonly keyPlainText: string;
  // menu
  readonly syncNow: string;
  readonly resolveConflicts: (n: string) => string;
  readonly pause: string;
  readonly pause15m: string;
  readonly pause1h: string;
  readonly pauseTomorrow: string;
  readonly resume: string;
  readonly status: string;
  readonly openLogs: string;
  readonly openConfig: string;
  readonly exportDiagnostics: string;
  readonly startAtLogin: string;
  readonly quit: string;
  // notifications
  readonly notifyConflictTitle: string;
  readonly notifyConflictBody: (n: number, formatted: string, instance: string) => string;
  readonly notifyAuthTitle: string;
  readonly notifyAuthBody: (instance: string) => string;
  readonly notifyOfflineTitle: string;
  readonly notifyOfflineBody: (minutes: number, n: number, formatted: string) => string;
  readonly notifyStalledTitle: string;
  readonly notifyStalledBody: (instance: string) => string;
}

const plural = (n: number, one: string, many: string) => (n === 1 ? one : many);

const en: TrayMessages = {
  app: 'Dovetail',
  state: { online: 'Online', polling: 'Online (no live link)', offline: 'Offline', 'auth-error': 'Key refused', paused: 'Paused', syncing: 'Syncing', starting: 'Starting', error: 'Needs attention' },
  pending: (n) => `${n} pending`,
  refused: (n) => `${n} refused`,
  conflicts: (n, f) => `${f} ${plural(n, 'conflict', 'conflicts')}`,
  synced: (t) => `synced ${t}`,
  authRejected: "The online system refused this shop's key",
  databaseUnreachable: "The shop's database cannot be reached",
  agentProblem: (m) => `The agent cannot run: ${m}`,
  conflictsNeedYou: (n, f) => `${f} ${plural(n, 'conflict needs', 'conflicts need')} you`,
  refusedChanges: (n, f) => `${f} ${plural(n, 'change', 'changes')} could not be sent`,
  pausedUntil: (t) => `Paused until ${t}`,
  paused: 'Paused',
  offlineSince: (t, n, f) => `Offline since ${t} — ${f} ${plural(n, 'change', 'changes')} waiting`,
  offline: (n, f) => `Offline — ${f} ${plural(n, 'change', 'changes')} waiting`,
  syncingNow: 'Syncing now…',
  starting: 'Starting…',
  lastFailed: (m) => `The last sync failed: ${m}`,
  upToDate: 'Everything is up to date',
  upToDateSynced: (t) => `Everything is up to date · synced ${t}`,
  lastSuccessVsAttempt: (s, a) => `Last success ${s} · last try ${a}`,
  never: 'never',
  queue: (p, f) => `↑ ${p} waiting · ${f} refused`,
  connection: (s) => `Connection: ${s}`,
  nextTry: (t) => `Next try ${t}`,
  keyPlainText: '⚠ The key is stored as plain text (no keyring)',
  syncNow: 'Sync now',
  resolveConflicts: (n) => `Resolve conflicts (${n})…`,
  pause: 'Pause',
  pause15m: '15 minutes',
  pause1h: '1 hour',
  pauseTomorrow: 'Until tomorrow',
  resume: 'Resume',
  status: 'Status…',
  openLogs: 'Open logs',
  openConfig: 'Open config folder',
  exportDiagnostics: 'Export diagnostics…',
  startAtLogin: 'Start at login',
  quit: 'Quit Dovetail',
  notifyConflictTitle: 'A conflict needs you',
  notifyConflictBody: (n, f, i) => `${f} ${plural(n, 'record was', 'records were')} changed in the shop and online (${i}). Click to choose.`,
  notifyAuthTitle: "The shop's key was refused",
  notifyAuthBody: (i) => `Syncing has stopped for ${i}. Ask for a new key.`,
  notifyOfflineTitle: 'Dovetail is offline',
  notifyOfflineBody: (m, n, f) => `No connection for ${m} minutes — ${f} ${plural(n, 'change', 'changes')} waiting. Sales are kept and sent later.`,
  notifyStalledTitle: 'Changes are not leaving',
  notifyStalledBody: (i) => `The oldest waiting change of ${i} has not been sent for a long time.`,
};

const ptBr: TrayMessages = {
  app: 'Dovetail',
  state: { online: 'Online', polling: 'Online (sem link ao vivo)', offline: 'Offline', 'auth-error': 'Chave recusada', paused: 'Pausado', syncing: 'Sincronizando', starting: 'Iniciando', error: 'Precisa de atenção' },
  pending: (n) => `${n} pendentes`,
  refused: (n) => `${n} recusadas`,
  conflicts: (n, f) => `${f} ${plural(n, 'conflito', 'conflitos')}`,
  synced: (t) => `sincronizado ${t}`,
  authRejected: 'O sistema online recusou a chave desta loja',
  databaseUnreachable: 'O banco de dados da loja não responde',
  agentProblem: (m) => `O agente não pode rodar: ${m}`,
  conflictsNeedYou: (n, f) => `${f} ${plural(n, 'conflito precisa', 'conflitos precisam')} de você`,
  refusedChanges: (n, f) => `${f} ${plural(n, 'alteração não pôde ser enviada', 'alterações não puderam ser enviadas')}`,
  pausedUntil: (t) => `Pausado até ${t}`,
  paused: 'Pausado',
  offlineSince: (t, n, f) => `Offline desde ${t} — ${f} ${plural(n, 'alteração', 'alterações')} aguardando`,
  offline: (n, f) => `Offline — ${f} ${plural(n, 'alteração', 'alterações')} aguardando`,
  syncingNow: 'Sincronizando agora…',
  starting: 'Iniciando…',
  lastFailed: (m) => `A última sincronização falhou: ${m}`,
  upToDate: 'Tudo em dia',
  upToDateSynced: (t) => `Tudo em dia · sincronizado ${t}`,
  lastSuccessVsAttempt: (s, a) => `Último sucesso ${s} · última tentativa ${a}`,
  never: 'nunca',
  queue: (p, f) => `↑ ${p} aguardando · ${f} recusadas`,
  connection: (s) => `Conexão: ${s}`,
  nextTry: (t) => `Próxima tentativa ${t}`,
  keyPlainText: '⚠ A chave está guardada como texto simples (sem chaveiro)',
  syncNow: 'Sincronizar agora',
  resolveConflicts: (n) => `Resolver conflitos (${n})…`,
  pause: 'Pausar',
  pause15m: '15 minutos',
  pause1h: '1 hora',
  pauseTomorrow: 'Até amanhã',
  resume: 'Retomar',
  status: 'Status…',
  openLogs: 'Abrir logs',
  openConfig: 'Abrir pasta da configuração',
  exportDiagnostics: 'Exportar diagnóstico…',
  startAtLogin: 'Iniciar com o sistema',
  quit: 'Sair do Dovetail',
  notifyConflictTitle: 'Um conflito precisa de você',
  notifyConflictBody: (n, f, i) => `${f} ${plural(n, 'registro foi alterado', 'registros foram alterados')} na loja e online (${i}). Clique para escolher.`,
  notifyAuthTitle: 'A chave da loja foi recusada',
  notifyAuthBody: (i) => `A sincronização parou para ${i}. Peça uma chave nova.`,
  notifyOfflineTitle: 'O Dovetail está offline',
  notifyOfflineBody: (m, n, f) => `Sem conexão há ${m} minutos — ${f} ${plural(n, 'alteração', 'alterações')} aguardando. As vendas ficam guardadas e são enviadas depois.`,
  notifyStalledTitle: 'As alterações não estão saindo',
  notifyStalledBody: (i) => `A alteração mais antiga de ${i} não é enviada há muito tempo.`,
};

const es: TrayMessages = {
  app: 'Dovetail',
  state: { online: 'En línea', polling: 'En línea (sin enlace en vivo)', offline: 'Sin conexión', 'auth-error': 'Clave rechazada', paused: 'En pausa', syncing: 'Sincronizando', starting: 'Iniciando', error: 'Requiere atención' },
  pending: (n) => `${n} pendientes`,
  refused: (n) => `${n} rechazados`,
  conflicts: (n, f) => `${f} ${plural(n, 'conflicto', 'conflictos')}`,
  synced: (t) => `sincronizado ${t}`,
  authRejected: 'El sistema en línea rechazó la clave de esta tienda',
  databaseUnreachable: 'La base de datos de la tienda no responde',
  agentProblem: (m) => `El agente no puede funcionar: ${m}`,
  conflictsNeedYou: (n, f) => `${f} ${plural(n, 'conflicto te necesita', 'conflictos te necesitan')}`,
  refusedChanges: (n, f) => `${f} ${plural(n, 'cambio no se pudo enviar', 'cambios no se pudieron enviar')}`,
  pausedUntil: (t) => `En pausa hasta ${t}`,
  paused: 'En pausa',
  offlineSince: (t, n, f) => `Sin conexión desde ${t} — ${f} ${plural(n, 'cambio', 'cambios')} en espera`,
  offline: (n, f) => `Sin conexión — ${f} ${plural(n, 'cambio', 'cambios')} en espera`,
  syncingNow: 'Sincronizando ahora…',
  starting: 'Iniciando…',
  lastFailed: (m) => `La última sincronización falló: ${m}`,
  upToDate: 'Todo al día',
  upToDateSynced: (t) => `Todo al día · sincronizado ${t}`,
  lastSuccessVsAttempt: (s, a) => `Último éxito ${s} · último intento ${a}`,
  never: 'nunca',
  queue: (p, f) => `↑ ${p} en espera · ${f} rechazados`,
  connection: (s) => `Conexión: ${s}`,
  nextTry: (t) => `Próximo intento ${t}`,
  keyPlainText: '⚠ La clave se guarda como texto plano (sin llavero)',
  syncNow: 'Sincronizar ahora',
  resolveConflicts: (n) => `Resolver conflictos (${n})…`,
  pause: 'Pausar',
  pause15m: '15 minutos',
  pause1h: '1 hora',
  pauseTomorrow: 'Hasta mañana',
  resume: 'Reanudar',
  status: 'Estado…',
  openLogs: 'Abrir registros',
  openConfig: 'Abrir carpeta de configuración',
  exportDiagnostics: 'Exportar diagnóstico…',
  startAtLogin: 'Iniciar con el sistema',
  quit: 'Salir de Dovetail',
  notifyConflictTitle: 'Un conflicto te necesita',
  notifyConflictBody: (n, f, i) => `${f} ${plural(n, 'registro cambió', 'registros cambiaron')} en la tienda y en línea (${i}). Haz clic para elegir.`,
  notifyAuthTitle: 'La clave de la tienda fue rechazada',
  notifyAuthBody: (i) => `La sincronización se detuvo para ${i}. Pide una clave nueva.`,
  notifyOfflineTitle: 'Dovetail está sin conexión',
  notifyOfflineBody: (m, n, f) => `Sin conexión desde hace ${m} minutos — ${f} ${plural(n, 'cambio', 'cambios')} en espera. Las ventas se guardan y se envían después.`,
  notifyStalledTitle: 'Los cambios no están saliendo',
  notifyStalledBody: (i) => `El cambio más antiguo en espera de ${i} lleva mucho tiempo sin enviarse.`,
};

export const TRAY_MESSAGES: { readonly [L in TrayLocale]: TrayMessages } = { en, 'pt-br': ptBr, es };

/** The language from the OS's preferred list (Electron's `app.getPreferredSystemLanguages()`); English when none fits. */
export function pickTrayLocale(preferred: readonly string[]): TrayLocale {
  for (const tag of preferred) {
    const lower = tag.toLowerCase();
    if (lower.startsWith('pt')) return 'pt-br';
    if (lower.startsWith('es')) return 'es';
    if (lower.startsWith('en')) return 'en';
  }
  return 'en';
}

/** BCP 47 tag for Intl formatting. */
export function intlTag(locale: TrayLocale): string {
  return locale === 'pt-br' ? 'pt-BR' : locale === 'es' ? 'es' : 'en-GB';
}
