/**
 * Typed errors raised by Heed. Every error names the operation and the offending
 * values, so a user can tell what was wrong without a debugger.
 */

/** Base class of every error Heed throws on purpose. */
export class HeedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Shapes are incompatible with the operation (rank, sizes, broadcasting, axes). */
export class ShapeError extends HeedError {}

/** A dtype is not accepted by the operation, or two dtypes disagree. */
export class DTypeError extends HeedError {}

/** An argument other than a shape or dtype is invalid (a negative rate, a bad option). */
export class ArgumentError extends HeedError {}

/** A tensor was used after `dispose()`. */
export class DisposedError extends HeedError {}

/** A name was looked up in the container or a registry and is not registered. */
export class PluginNotFoundError extends HeedError {
  constructor(
    /** What kind of plugin was looked up, e.g. "backend". */
    readonly kind: string,
    /** The name that was asked for. */
    readonly requested: string,
    /** Every name that is registered for that kind. */
    readonly registered: readonly string[],
  ) {
    super(
      `No ${kind} named "${requested}" is registered; registered ${kind}s: ` +
        (registered.length > 0 ? registered.map((n) => `"${n}"`).join(', ') : '(none)'),
    );
  }
}

/** A backend failed to initialise or cannot run the requested kernel. */
export class BackendError extends HeedError {}

/** A checkpoint or weights file is malformed, truncated, or does not match the model. */
export class CheckpointError extends HeedError {}

/** Autograd was asked for something it cannot do (e.g. a gradient of a non-scalar). */
export class GradientError extends HeedError {}
