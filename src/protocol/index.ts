export * from './wire.js';
export * from './error-codes.js';
export * from './parse-pull.js';
export * from './row-key.js';
export * from './row-size.js';
