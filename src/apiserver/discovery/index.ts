export * from './build.js';
export * from './negotiate.js';
export * from './documents.js';
