export * from './envelope.js';
export * from './messages.js';
export * from './relay-messages.js';
export * from './registry.js';
export * from './build.js';
export * from './proto.js';
export * from './canonical.js';
