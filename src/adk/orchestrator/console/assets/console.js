// The console's only script (served from this package; the Content-Security-Policy allows no
// other): live regions that refresh themselves, the confirmation dialog in front of every
// action, forms that call the admin API, and the audit chart. Plain DOM, no framework.
'use strict';
(() => {
  const csrf = document.querySelector('meta[name="csrf-token"]')?.getAttribute('content') ?? '';
  const flash = document.getElementById('flash');
  const LIVE_MS = 1000;

  /** Shows a message in the status region (read out by screen readers). */
  function say(text, isError) {
    if (!flash) return;
    flash.textContent = text;
    flash.className = isError ? 'alert' : 'ok';
  }

  // ---- one-time secrets (a generated password, an API token): shown from the API's answer only,
  // in a box outside every live region; no page ever renders them.
  const secret = document.getElementById('secret');
  function reveal(field, res) {
    if (!secret || !field || typeof res?.[field] !== 'string') return;
    document.getElementById('secret-value').value = res[field];
    secret.hidden = false;
  }
  function forget() {
    if (!secret) return;
    document.getElementById('secret-value').value = '';
    secret.hidden = true;
  }

  /** Calls the admin API with the session's CSRF token; throws the API's error message. */
  async function api(method, path, body) {
    const res = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const data = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error(data?.error?.message ?? `HTTP ${res.status}`);
    return data;
  }

  // ---- live regions: re-fetch the server-rendered fragment, swap it in when it changed.
  const regions = [...document.querySelectorAll('[data-live]')];
  async function refresh(el) {
    const res = await fetch(el.dataset.live, { credentials: 'same-origin' });
    if (res.status === 401) return void location.reload();
    if (!res.ok) return;
    const text = await res.text();
    if (text === el.dataset.last) return;
    el.dataset.last = text;
    // Keep the keyboard focus where it was: swapped-in content has the same ids.
    const focused = document.activeElement && el.contains(document.activeElement) ? document.activeElement.id : null;
    el.innerHTML = text;
    if (focused) document.getElementById(focused)?.focus();
  }
  const refreshAll = () => Promise.all(regions.map((el) => refresh(el).catch(() => undefined)));
  if (regions.length) {
    let busy = false;
    setInterval(() => {
      if (busy || document.hidden) return;
      busy = true;
      void refreshAll().finally(() => (busy = false));
    }, LIVE_MS);
  }

  // ---- the confirmation dialog (a native <dialog>: modal, Escape cancels, focus is trapped).
  const dialog = document.getElementById('confirm');
  function confirmStep(text) {
    return new Promise((resolve) => {
      if (!dialog) return resolve(false);
      document.getElementById('confirm-text').textContent = text;
      dialog.returnValue = '';
      dialog.addEventListener('close', () => resolve(dialog.returnValue === 'confirm'), { once: true });
      dialog.showModal();
    });
  }
  /** Fills {name} placeholders from an object. */
  const fill = (template, values) => template.replace(/\{(\w+)\}/g, (_, k) => {
    const v = values[k];
    if (v === undefined || v === '') return k === 'selector' ? 'any labels' : '';
    return typeof v === 'object' ? Object.entries(v).map(([a, b]) => `${a}=${b}`).join(',') || 'any labels' : String(v);
  });

  // Buttons that call an action: <button data-action="/v1/admin/…" data-confirm="…">.
  document.addEventListener('click', async (e) => {
    const b = e.target instanceof Element ? e.target.closest('button[data-action]') : null;
    if (!b) return;
    e.preventDefault();
    if (!(await confirmStep(b.dataset.confirm))) return void b.focus();
    forget();
    try {
      const res = await api(b.dataset.method ?? 'POST', b.dataset.action);
      say(b.dataset.done ?? 'Done.');
      reveal(b.dataset.reveal, res);
    } catch (err) {
      say(err.message, true);
    }
    await refreshAll();
  });

  /** A form's fields as the API's JSON: labels as objects, numbers as numbers, blanks left out. */
  function bodyOf(form) {
    const body = {};
    for (const el of form.elements) {
      if (!el.name || el.value.trim() === '') continue;
      const v = el.value.trim();
      if (el.dataset.type === 'int') body[el.name] = Number(v);
      else if (el.dataset.type === 'labels') {
        body[el.name] = Object.fromEntries(v.split(',').map((kv) => kv.split('=').map((s) => s.trim())).map(([k, ...rest]) => [k, rest.join('=')]));
      } else body[el.name] = v;
    }
    return body;
  }

  // Forms that call the API: <form data-api="/v1/admin/…" data-confirm="…" data-then="/console/…/{id}">.
  document.addEventListener('submit', async (e) => {
    const form = e.target instanceof HTMLFormElement && e.target.dataset.api ? e.target : null;
    if (!form) return;
    e.preventDefault();
    const body = bodyOf(form);
    if (!(await confirmStep(fill(form.dataset.confirm, body)))) return;
    forget();
    try {
      const res = await api('POST', form.dataset.api, body);
      if (form.dataset.then) return void location.assign(fill(form.dataset.then, res));
      say(fill(form.dataset.done ?? 'Done.', res));
      if (form.dataset.reveal) {
        reveal(form.dataset.reveal, res);
        form.reset();
      }
    } catch (err) {
      say(err.message, true);
    }
    await refreshAll();
  });

  // ---- the audit chart (uPlot, loaded only on the audit page).
  const data = document.getElementById('chart-data');
  const chart = document.getElementById('chart');
  if (data && chart && window.uPlot) {
    const s = JSON.parse(data.textContent);
    if (s.x.length === 0) chart.textContent = 'No decisions in this search.';
    else {
      const width = () => Math.max(320, Math.min(chart.parentElement.clientWidth, 1100));
      // Side by side in each bucket: allows left, denies right.
      const bars = (align) => window.uPlot.paths.bars({ size: [0.4, 30], align });
      const plot = new window.uPlot({
        width: width(),
        height: 240,
        scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
        axes: [{}, { label: 'decisions' }],
        series: [
          {},
          { label: 'allow', stroke: '#1a7f37', fill: 'rgba(26,127,55,0.35)', paths: bars(-1) },
          { label: 'deny', stroke: '#cf222e', fill: 'rgba(207,34,46,0.35)', paths: bars(1) },
        ],
      }, [s.x, s.allow, s.deny], chart);
      window.addEventListener('resize', () => plot.setSize({ width: width(), height: 240 }));
    }
  }
})();
