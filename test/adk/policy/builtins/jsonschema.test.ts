import { test } from 'node:test';
import assert from 'node:assert/strict';
import { err, js } from './ext-helpers.ts';

const schema = { properties: { id: { type: 'integer' }, tags: { type: 'array', items: { type: 'string' }, uniqueItems: true } }, required: ['id'], additionalProperties: false };

test('json.match_schema reports gojsonschema errors', () => {
  assert.deepEqual(js('json.match_schema', { id: 5 }, schema), [true, []]);
  assert.deepEqual(js('json.match_schema', '{"id": 5}', JSON.stringify(schema)), [true, []]);
  assert.deepEqual(js('json.match_schema', { id: 'foo' }, schema), [
    false,
    [{ desc: 'Invalid type. Expected: integer, given: string', error: 'id: Invalid type. Expected: integer, given: string', field: 'id', type: 'invalid_type' }],
  ]);
  const [ok, errs] = js('json.match_schema', { tags: ['a', 'a', 1], x: 1 }, schema) as [boolean, { type: string; field: string }[]];
  assert.equal(ok, false);
  assert.deepEqual(errs.map((e) => `${e.type}@${e.field}`), ['required@(root)', 'additional_property_not_allowed@(root)', 'invalid_type@tags.2', 'unique@tags']);
  assert.equal((js('json.match_schema', { value: 'allow' }, { enum: [] }) as unknown[])[0], false);
  assert.equal(err('json.match_schema', {}, { type: 'unknown' }), 'eval_builtin_error: json.match_schema: has a primitive type that is NOT VALID -- given: /unknown/ Expected valid values are:[array boolean integer number null object string]');
});

test('json.verify_schema', () => {
  assert.deepEqual(js('json.verify_schema', schema), [true, null]);
  assert.deepEqual(js('json.verify_schema', '{'), [false, 'jsonschema: invalid JSON string']);
  assert.deepEqual(js('json.verify_schema', { minLength: -1 }), [false, 'jsonschema: minLength must be greater than or equal to 0']);
});
