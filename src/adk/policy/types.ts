// Static types for builtin signatures (OPA's `types` package, reduced to what signatures need).
// The type checker and `autonomy` docs read these declarations.

/** A Rego static type. */
export type Type =
  | { readonly kind: 'any' }
  | { readonly kind: 'null' }
  | { readonly kind: 'boolean' }
  | { readonly kind: 'number' }
  | { readonly kind: 'string' }
  | { readonly kind: 'array'; readonly of: Type }
  | { readonly kind: 'set'; readonly of: Type }
  | { readonly kind: 'object'; readonly key: Type; readonly value: Type }
  | { readonly kind: 'or'; readonly of: readonly Type[] };

const any: Type = { kind: 'any' };

/** Type constructors: T.string, T.array(T.number), T.or(T.string, T.null) … */
export const T = {
  any,
  null: { kind: 'null' } as Type,
  boolean: { kind: 'boolean' } as Type,
  number: { kind: 'number' } as Type,
  string: { kind: 'string' } as Type,
  array: (of: Type = any): Type => ({ kind: 'array', of }),
  set: (of: Type = any): Type => ({ kind: 'set', of }),
  object: (key: Type = any, value: Type = any): Type => ({ kind: 'object', key, value }),
  or: (...of: Type[]): Type => ({ kind: 'or', of }),
} as const;

/** The type written the way OPA writes it in messages, e.g. `array[number]`. */
export function formatType(t: Type): string {
  switch (t.kind) {
    case 'array':
      return `array[${formatType(t.of)}]`;
    case 'set':
      return `set[${formatType(t.of)}]`;
    case 'object':
      return `object[${formatType(t.key)}: ${formatType(t.value)}]`;
    case 'or':
      return `any<${t.of.map(formatType).join(', ')}>`;
    default:
      return t.kind;
  }
}
