// Public entry of the Rego engine.
export { compile, CompiledPolicy, type CompileOptions, type EvalOptions, type PolicySource, type PreparedQuery, type ResultRow } from './engine.ts';
export { parseModule, parseQuery, parseTerm } from './parser.ts';
export type { Budget } from './eval/ctx.ts';
export { type Value, ObjectValue, SetValue, fromJS, toJS, toJSON, parseJSON, formatValue, equal, compare } from './value.ts';
