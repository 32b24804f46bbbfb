export * from './wire.js';
export * from './error-codes.js';
