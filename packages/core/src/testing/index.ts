/**
 * @heed/core/testing: the cross-backend conformance kit (vitest). A backend package
 * (or a user's own backend) runs it with one call:
 *
 * ```ts
 * import { runBackendConformance } from '@heed/core/testing';
 * runBackendConformance(() => new MyBackend());
 * ```
 */
export { runBackendConformance, type ConformanceOptions, type KitContext } from './conformance.js';
export { gradCheck } from './gradients.js';
export { mismatch, type Tolerance } from './compare.js';
export * as reference from './reference.js';
