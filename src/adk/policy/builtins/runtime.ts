// opa.runtime, rand.intn, trace, and http.send (which a governance engine keeps disabled).
import { randomInt } from 'node:crypto';
import { fromJS, type ObjectValue, type Value } from '../value.ts';
import { T } from '../types.ts';
import { builtinError, declare, type BuiltinContext, type BuiltinTable } from './builtin.ts';
import { integer, object, str } from './args.ts';

function randIntn(args: readonly Value[], ctx: BuiltinContext): Value {
  const s = str(args, 1);
  let n = Number(integer(args, 2));
  if (n === 0) return 0;
  if (n < 0) n = -n;
  const key = `rand.intn\u0000${s}-${n}`;
  const cached = ctx.cache.get(key);
  if (typeof cached === 'number') return cached;
  // randomInt's bound is 2^48; larger bounds fall back to a double-based draw.
  const r = n <= 2 ** 48 ? randomInt(n) : Math.floor(Math.random() * n);
  ctx.cache.set(key, r);
  return r;
}

// OPA answers {} when no runtime is configured; here an empty environment stands for that.
function runtimeInfo(_args: readonly Value[], ctx: BuiltinContext): Value {
  return Object.keys(ctx.env).length === 0 ? fromJS({}) : fromJS({ env: { ...ctx.env } });
}

/** The host an http.send request targets, for the error message. */
function requestHost(req: ObjectValue): string {
  const url = req.get('url');
  if (typeof url !== 'string') return '';
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

function httpSend(args: readonly Value[], ctx: BuiltinContext): Value {
  const host = requestHost(object(args, 1));
  if (ctx.networkAllowList.length === 0) throw builtinError('network access is disabled: no allow-list is configured');
  if (!ctx.networkAllowList.includes(host)) throw builtinError(`network access to ${JSON.stringify(host)} is disabled: the host is not in the allow-list`);
  // Builtins run synchronously inside the evaluator; a blocking request is not offered even to allowed hosts.
  throw builtinError(`network access to ${JSON.stringify(host)} is not available in this engine`);
}

function trace(args: readonly Value[]): Value {
  str(args, 1);
  return true;
}

/** Registers opa.runtime, rand.intn, trace and http.send. */
export function register(table: BuiltinTable): void {
  declare(
    table,
    { name: 'opa.runtime', category: 'opa', args: [], result: T.object(T.string, T.any), nondeterministic: true, impl: runtimeInfo },
    { name: 'rand.intn', category: 'numbers', args: [T.string, T.number], result: T.number, nondeterministic: true, impl: randIntn },
    { name: 'trace', category: 'tracing', args: [T.string], result: T.boolean, impl: trace },
    { name: 'http.send', category: 'http', args: [T.object(T.string, T.any)], result: T.object(T.any, T.any), nondeterministic: true, impl: httpSend },
  );
}
