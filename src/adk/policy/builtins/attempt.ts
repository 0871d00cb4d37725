// Turning a builtin's failure into a boolean, for the `*.is_valid` family.
import { BuiltinError } from './builtin.ts';

/** True when f runs without raising a builtin error. */
export function succeeds(f: () => unknown): boolean {
  try {
    f();
    return true;
  } catch (e) {
    if (e instanceof BuiltinError) return false;
    throw e;
  }
}
