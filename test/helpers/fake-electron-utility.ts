/**
 * The child side of the fake `utilityProcess.fork`: gives this Node process the
 * `process.parentPort` Electron gives a utility process (over Node's IPC channel), then loads
 * the real entry module.
 */
import { EventEmitter } from 'node:events';
import { pathToFileURL } from 'node:url';

const port = Object.assign(new EventEmitter(), {
  postMessage: (message: unknown) => process.send?.(message),
});
process.on('message', (data) => port.emit('message', { data }));
Object.defineProperty(process, 'parentPort', { value: port, configurable: true });
await import(pathToFileURL(process.env.FAKE_UTILITY_ENTRY!).href);
process.send?.({ fakeShimReady: true });
