export * from './build.js';
export * from './documents.js';
export * from './etag.js';
