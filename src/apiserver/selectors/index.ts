export * from './label.js';
export * from './field.js';
export { labelKeyErrors, labelValueErrors } from './validation.js';
