import { test } from 'node:test';
import assert from 'node:assert/strict';
import { err, js } from './ext-helpers.ts';

test('strings.render_template runs Go text/template', () => {
  assert.equal(js('strings.render_template', '{{.test}}', { test: 'hello world' }), 'hello world');
  assert.equal(js('strings.render_template', '{{.test}}', { test: 2023 }), '2023');
  assert.equal(js('strings.render_template', '{{range $i, $name := .names}}{{if $i}},{{end}}hello {{$name}}{{end}}', { names: ['rohan', 'john doe'] }), 'hello rohan,hello john doe');
  assert.equal(js('strings.render_template', '{{if eq .a 1}}one{{else if eq .a 2}}two{{else}}many{{end}} {{len .l}} {{.o.k | printf "%s!"}}', { a: 2, l: [1, 2, 3], o: { k: 'v' } }), 'two 3 v!');
  assert.equal(js('strings.render_template', 'a  {{- .x -}}  b', { x: 'X' }), 'aXb');
  assert.match(err('strings.render_template', '{{.missing}}', { test: 1 }), /map has no entry for key "missing"/);
});
