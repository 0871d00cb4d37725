/** A position in a source file; row and col are 1-based, as OPA reports them. */
export interface Location {
  file: string;
  row: number;
  col: number;
}

/** Options accepted by every coded error. */
export interface ErrorOptions {
  location?: Location | undefined;
  cause?: unknown;
}

/**
 * The one error type of the project: a stable machine-readable `code`, a message for people,
 * and where it applies a source location. Callers branch on `code`, never on the message.
 */
export class AutonomyError extends Error {
  readonly code: string;
  readonly location: Location | undefined;

  constructor(code: string, message: string, options: ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AutonomyError';
    this.code = code;
    this.location = options.location;
  }

  /** `file:row:col: code: message`, the form compilers print. */
  override toString(): string {
    const where = this.location ? `${formatLocation(this.location)}: ` : '';
    return `${where}${this.code}: ${this.message}`;
  }
}

/** `file:row:col` */
export function formatLocation(loc: Location): string {
  return `${loc.file}:${loc.row}:${loc.col}`;
}

/** True for errors raised deliberately by this project (as opposed to bugs). */
export function isAutonomyError(e: unknown): e is AutonomyError {
  return e instanceof AutonomyError;
}

/** Process exit codes shared by every program; documented in docs/cli.md. */
export const ExitCode = {
  ok: 0,
  /** A negative answer: a deny, a failed verification, failing tests. */
  negative: 1,
  /** Bad usage or bad input. */
  usage: 2,
  /** A bug or an environment failure we did not anticipate. */
  internal: 3,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
