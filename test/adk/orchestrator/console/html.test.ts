// The one escaping helper of the console, against markup in values (node errors, tool names).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { esc, html, Html, jsonScript } from '../../../../src/adk/orchestrator/console/html.ts';

const HOSTILE = `<img src=x onerror="alert('x')">&\`</script>`;

test('esc leaves no character that could open a tag or end an attribute', () => {
  assert.equal(esc(HOSTILE), '&lt;img src=x onerror=&quot;alert(&#39;x&#39;)&quot;&gt;&amp;&#96;&lt;/script&gt;');
  fc.assert(fc.property(fc.string({ unit: 'binary' }), (s) => {
    const e = esc(s);
    assert.doesNotMatch(e, /[<>"'`]/);
    // Every & starts one of our entities: the text round-trips.
    const back = e.replace(/&(lt|gt|quot|#39|#96|amp);/g, (_, n: string) => ({ lt: '<', gt: '>', quot: '"', '#39': "'", '#96': '`', amp: '&' })[n]!);
    assert.equal(back, s);
  }));
});

test('html escapes every interpolated value except Html; lists join; null, undefined and false vanish', () => {
  const cell = (v: string): Html => html`<td title="${v}">${v}</td>`;
  assert.equal(cell(HOSTILE).text, `<td title="${esc(HOSTILE)}">${esc(HOSTILE)}</td>`);
  assert.equal(html`<tr>${[cell('a'), cell('<b>')]}</tr>`.text, '<tr><td title="a">a</td><td title="&lt;b&gt;">&lt;b&gt;</td></tr>');
  assert.equal(html`${null}${undefined}${false}${0}${1n}`.text, '01');
  // Html built elsewhere by hand is the only way around escaping, and it is explicit.
  assert.equal(html`${new Html('<br>')}`.text, '<br>');
});

test('jsonScript cannot be ended early by a value and parses back to the value', () => {
  const v = { tool: '</script><script>alert(1)</script>', sep: '\u2028\u2029', n: [1, 2] };
  const out = jsonScript('data', v).text;
  assert.equal(out.match(/<\/script>/g)!.length, 1);
  const inner = out.slice(out.indexOf('>') + 1, out.lastIndexOf('</script>'));
  assert.deepEqual(JSON.parse(inner), v);
});
