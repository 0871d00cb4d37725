// The web console in a real browser (playwright-core driving Debian's chromium) against a real
// `autonomy-orchestrator serve` process and simulated nodes: sign in, start a rollout and watch
// its progress bars move without a reload, pause it from the keyboard, see a bad bundle halt,
// roll back through the confirmation step, search and export the audit, sign out.
// Screenshots of every page go to docs/img/ when AUTONOMY_UPDATE_SCREENSHOTS=1 (else to a temp
// directory). Skipped only when chromium is absent and AUTONOMY_REQUIRE_CHROMIUM is not set
// (.ci/run installs chromium and sets it, so CI never skips).
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Page } from 'playwright-core';
import { openNodeWal, walDir, NODE_KEY } from '../../src/adk/audit/index.ts';
import { writeArchive } from '../../src/adk/bundle/archive.ts';
import { signBundle } from '../../src/adk/bundle/signing.ts';
import { generateKeyPair, loadOrCreateKey } from '../../src/common/ed25519.ts';
import { AdminClient, AuditUploader, NodeClient, SimAgent } from '../../src/adk/orchestrator/index.ts';
import { tempDir } from '../adk/orchestrator/helpers.ts';
import { ORCHESTRATOR_BIN, serveOrchestrator } from './orchestrator-serve.ts';

const exec = promisify(execFile);
// The browser globals the functions evaluated in the page use (this project's tsc has no DOM lib).
interface El { id: string; value: number; textContent: string | null }
declare const document: { querySelector(s: string): El | null; querySelectorAll(s: string): Iterable<El>; activeElement: El | null };
declare const window: Record<string, unknown>;
const CHROMIUM = process.env['AUTONOMY_CHROMIUM'] ?? '/usr/bin/chromium';
const SKIP = existsSync(CHROMIUM) || process.env['AUTONOMY_REQUIRE_CHROMIUM'] === '1'
  ? false
  : `browser tests skipped: ${CHROMIUM} not found (apt-get install chromium; .ci/run installs it and never skips)`;
const SHOTS = process.env['AUTONOMY_UPDATE_SCREENSHOTS'] === '1' ? resolve(import.meta.dirname, '..', '..', 'docs', 'img') : null;
const NODES = 6;
const PASSWORD = 'correct horse battery staple';
/** A tool name that would run script if any page put it in markup unescaped. */
const XSS_TOOL = '<img src=x onerror="window.__xss=1">';

async function bundle(revision: string, key: ReturnType<typeof createPrivateKey>, extra = ''): Promise<Buffer> {
  const files = new Map([['.manifest', Buffer.from(JSON.stringify({ revision, roots: ['autonomy'] }))], ['autonomy/authz.rego', Buffer.from(`package autonomy.authz\n${extra}`)]]);
  return writeArchive((await signBundle(files, key, { keyId: 'release-2026' })).files);
}

/** Sum of the values of the rollout page's phase progress bars. */
const confirmedOnPage = (page: Page): Promise<number> =>
  page.evaluate(() => [...document.querySelectorAll('progress[id^="phase-progress-"]')].reduce((a, p) => a + p.value, 0));

/** The state shown on a rollout page. */
const stateOnPage = (page: Page): Promise<string> => page.locator('.facts dd').first().innerText();

async function waitState(page: Page, state: string, timeout = 15_000): Promise<void> {
  await page.waitForFunction((s) => document.querySelector('.facts dd')?.textContent?.includes(s) ?? false, state, { timeout });
}

describe('e2e: web console in a real browser', { skip: SKIP }, () => {
  test('sign in, live rollout, keyboard pause, bad bundle halts, rollback, audit search and export, sign out', { timeout: 90_000 }, async () => {
    const dir = tempDir('console-e2e-');
    const tokenFile = join(dir, 'admin.token');
    const { url } = await serveOrchestrator(join(dir, 'orchestrator.db'), tokenFile, dir);
    const cli = async (args: string[], input?: string): Promise<string> => {
      const p = exec(process.execPath, [ORCHESTRATOR_BIN, ...args, '--url', url, '--token-file', tokenFile], { cwd: dir });
      if (input !== undefined) p.child.stdin!.end(input);
      return (await p).stdout;
    };
    assert.match(await cli(['operator', 'add', 'alice', '--password-stdin'], `${PASSWORD}\n`), /operator alice added \(admin\)/);
    const admin = new AdminClient(url, readFileSync(tokenFile, 'utf8').trim(), 'setup');

    // The fleet: simulated nodes that fail to activate the bundle named "bad".
    const agents: SimAgent[] = [];
    const states: string[] = [];
    for (let i = 0; i < NODES; i++) {
      const { token } = await admin.json<{ token: string }>('POST', '/v1/admin/tokens', { labels: { env: 'prod', site: i < 3 ? 'lab' : 'field' } });
      const state = tempDir('console-node-');
      const a = await SimAgent.enroll(url, loadOrCreateKey(state, NODE_KEY), token, {
        waitMs: 700, retryMs: 50, activate: (rev) => {
          if (rev === 'bad') throw new Error('bundle tests failed: test_speed_limit');
        },
      });
      a.start();
      agents.push(a);
      states.push(state);
    }
    after(() => Promise.all(agents.map((a) => a.stop())));

    // Signed bundles, and v1 everywhere as the starting point.
    const key = createPrivateKey(generateKeyPair().privatePem);
    for (const rev of ['v1', 'v2', 'bad']) await admin.send('POST', `/v1/admin/bundles?revision=${rev}`, await bundle(rev, key, rev === 'bad' ? '# fails its tests\n' : ''));
    await admin.json('POST', '/v1/admin/rollback', { selector: {}, revision: 'v1' });

    // Audit: two nodes upload sealed WALs, one of them with a hostile tool name.
    for (const [n, tools] of [[0, ['fs.read', 'shell.exec', 'shell.exec', XSS_TOOL]], [1, ['fs.read', 'http.get', 'shell.exec']]] as const) {
      const wal = await openNodeWal(states[n]!, { checkpointIntervalMs: 0 });
      for (const tool of tools) {
        const deny = tool !== 'fs.read';
        await wal.append({ kind: 'decision', tool, decision: deny ? 'deny' : 'allow', args: {}, reasons: deny ? ['not in the allow list'] : [], revision: 'v1' });
      }
      await wal.close();
      await new AuditUploader(agents[n]!.client, walDir(states[n]!)).sync();
    }

    const profile = mkdtempSync(join(tmpdir(), 'console-chromium-'));
    const shots = SHOTS ?? profile;
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1280, height: 860 },
      acceptDownloads: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    after(() => context.close());
    const page = context.pages()[0] ?? (await context.newPage());
    const cspErrors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') cspErrors.push(m.text());
    });
    page.on('dialog', (d) => void d.dismiss());

    // ---- sign in (a wrong password first)
    await page.goto(`${url}/console/fleet`);
    assert.match(page.url(), /\/console\/login\?next=/);
    await page.screenshot({ path: join(shots, 'console-login.png') });
    await page.getByLabel('Operator name').fill('alice');
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    assert.equal(await page.getByRole('alert').innerText(), 'wrong operator name or password');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByLabel('Password').press('Enter');
    await page.waitForURL(/\/console\/fleet$/);
    const html = await page.content();
    assert.ok(!html.includes(readFileSync(tokenFile, 'utf8').trim()), 'no admin token in the page');
    const cookie = (await context.cookies()).find((c) => c.name === 'autonomy_session')!;
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, 'Strict');
    assert.ok(!html.includes(cookie.value), 'the session id is never in the page');

    // ---- fleet
    await page.getByText(`${NODES} nodes: ${NODES} in sync`).waitFor();
    assert.equal(await page.locator('tbody tr').count(), NODES);
    await page.getByLabel('Label selector').fill('site=lab');
    await page.getByLabel('Status').selectOption('in_sync');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.getByText('3 nodes: 3 in sync').waitFor();
    await page.getByLabel('Label selector').fill('');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.getByText(`${NODES} nodes: ${NODES} in sync`).waitFor();

    // ---- start a rollout of v2 from the console; watch it move without a reload
    await page.getByRole('link', { name: 'Rollouts' }).click();
    await page.getByLabel('Bundle revision').selectOption('v2');
    await page.getByLabel('Label selector').fill('env=prod');
    await page.getByLabel('Phases', { exact: true }).fill('1,50%,100%');
    await page.getByLabel('Pause between phases (ms)').fill('3000');
    await page.getByRole('button', { name: 'Start rollout' }).click();
    const dialog = page.getByRole('dialog', { name: 'Please confirm' });
    await dialog.waitFor();
    assert.match(await dialog.innerText(), /Start rolling out v2 to the nodes matching env=prod\?/);
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    await page.waitForURL(/\/console\/rollouts\/r-[0-9a-f]+$/);
    const rolloutUrl = page.url();
    await page.evaluate(() => (window['__sameDocument'] = true));
    const seen = new Set<number>();
    await page.waitForFunction(() => (document.querySelector('#phase-progress-1')?.value ?? 0) === 1);
    seen.add(await confirmedOnPage(page));

    // Pause it from the keyboard: Tab to the action, Enter, then confirm in the dialog.
    await page.locator('body').focus();
    for (let i = 0; i < 60 && (await page.evaluate(() => document.activeElement?.id)) !== 'act-pause'; i++) await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'act-pause', 'Pause is reachable with Tab');
    await page.keyboard.press('Enter');
    await dialog.waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Cancel', 'the dialog opens on its safe choice');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await waitState(page, 'paused');
    await page.getByRole('status').getByText('Rollout paused.').waitFor();
    seen.add(await confirmedOnPage(page));
    await page.screenshot({ path: join(shots, 'console-rollout.png'), fullPage: true });

    // Abort, then cancel: nothing happens.
    await page.getByRole('button', { name: 'Abort' }).click();
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(await stateOnPage(page), 'paused');

    await page.getByRole('button', { name: 'Resume' }).click();
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    for (let i = 0; i < 300 && !(await stateOnPage(page)).includes('completed'); i++) {
      seen.add(await confirmedOnPage(page));
      await new Promise((r) => setTimeout(r, 50));
    }
    await waitState(page, 'completed');
    seen.add(await confirmedOnPage(page));
    assert.equal(Math.max(...seen), NODES);
    assert.ok(seen.size >= 3, `the bars moved through several values live (saw ${[...seen].sort().join(', ')})`);
    assert.equal(await page.evaluate(() => window['__sameDocument']), true, 'no reload');

    // ---- a bad bundle: the rollout halts within its budget
    await page.getByRole('link', { name: 'Rollouts' }).first().click();
    await page.getByLabel('Bundle revision').selectOption('bad');
    await page.getByLabel('Label selector').fill('env=prod');
    await page.getByLabel('Phases', { exact: true }).fill('1,50%,100%');
    await page.getByLabel('Failure budget').fill('1');
    await page.getByRole('button', { name: 'Start rollout' }).click();
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    await page.waitForURL(/\/console\/rollouts\/r-[0-9a-f]+$/);
    assert.notEqual(page.url(), rolloutUrl);
    await waitState(page, 'halted');
    assert.match(await page.locator('.facts').innerText(), /failed activations exceed the budget of 1/);
    assert.ok(Number(await page.locator('#budget').getAttribute('value')) > 1);
    await page.getByText('bundle tests failed: test_speed_limit').first().waitFor();
    await page.screenshot({ path: join(shots, 'console-rollout-halted.png'), fullPage: true });

    // ---- roll the fleet back to v1, through the confirmation step
    assert.equal(await page.getByLabel('To revision').inputValue(), 'v2', 'the rollback form offers the revision before the rollout');
    await page.getByLabel('To revision').selectOption('v1');
    await page.getByRole('button', { name: 'Roll back' }).click();
    assert.match(await dialog.innerText(), /Roll every node matching env=prod back to v1\?/);
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    await page.getByRole('status').getByText(`Rollback ordered: ${NODES} node(s).`).waitFor();
    await page.getByRole('link', { name: 'Fleet' }).click();
    await page.getByText(`${NODES} nodes: ${NODES} in sync`).waitFor({ timeout: 15_000 });
    assert.equal(await page.locator('tbody tr td:nth-child(4)').filter({ hasText: /^v1$/ }).count(), NODES);

    await page.getByRole('link', { name: 'Rollouts' }).click();
    await page.getByText('halted').first().waitFor();
    await page.screenshot({ path: join(shots, 'console-rollouts.png'), fullPage: true });

    // ---- audit: everything, then a search by node, tool and decision; export it
    await page.getByRole('link', { name: 'Audit' }).click();
    await page.locator('#chart canvas').first().waitFor();
    await page.getByRole('cell', { name: XSS_TOOL }).waitFor();
    assert.equal(await page.evaluate(() => window['__xss']), undefined, 'a hostile tool name stays text');
    assert.match(await page.locator('figcaption').innerText(), /the fleet \(2 allowed, 5 denied/);
    assert.match(await page.locator('section', { hasText: 'Chain verification' }).innerText(), /verified/);
    await page.screenshot({ path: join(shots, 'console-audit.png'), fullPage: true });
    await page.getByLabel('Node', { exact: true }).selectOption(agents[0]!.client.nodeId);
    await page.getByLabel('Decision', { exact: true }).selectOption('deny');
    await page.getByLabel('Tool', { exact: true }).fill('shell.exec');
    await page.getByLabel('Tool', { exact: true }).press('Enter');
    await page.waitForURL(/tool=shell\.exec/);
    assert.equal(await page.getByRole('table', { name: '2 records' }).locator('tbody tr').count(), 2);
    assert.match(await page.locator('figcaption').innerText(), /node [0-9a-f]+ \(0 allowed, 2 denied/);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'CSV' }).click()]);
    const csv = readFileSync((await download.path())!, 'utf8').trim().split('\n');
    assert.equal(csv.length, 3, 'a header and the two records');
    assert.ok(csv.slice(1).every((l) => l.startsWith(`${agents[0]!.client.nodeId},`) && l.includes('shell.exec') && l.includes('deny')));

    // ---- policies: revisions, digests, signers, where each is active
    await page.getByRole('link', { name: 'Policies' }).click();
    const v1 = page.getByRole('row', { name: /^v1 / });
    assert.match(await v1.innerText(), /release-2026/);
    assert.match(await v1.innerText(), new RegExp(`${NODES} nodes active`));
    await page.screenshot({ path: join(shots, 'console-policies.png'), fullPage: true });

    // ---- the fleet while a node is away: it shows offline, still on the revision it had
    await agents[NODES - 1]!.stop();
    await admin.json('POST', '/v1/admin/rollback', { selector: { site: 'field' }, revision: 'v2' });
    await page.getByRole('link', { name: 'Fleet' }).click();
    await page.getByText(`${NODES} nodes: 1 offline, ${NODES - 1} in sync`).waitFor({ timeout: 15_000 });
    await page.screenshot({ path: join(shots, 'console-fleet.png'), fullPage: true });

    // ---- a fleet larger than a page: enrolled but never started, so they never touch the rollouts above
    const BULK = 100;
    await Promise.all(Array.from({ length: BULK }, async () => {
      const { token } = await admin.json<{ token: string }>('POST', '/v1/admin/tokens', { labels: { env: 'bulk' } });
      await NodeClient.enroll(url, createPrivateKey(generateKeyPair().privatePem), token);
    }));
    await page.getByText(`${NODES + BULK} nodes:`).waitFor();
    assert.match(await page.getByRole('navigation', { name: 'Pages of nodes' }).innerText(), /Page 1 of 2/);
    assert.equal(await page.locator('tbody tr').count(), 100);
    await page.getByRole('link', { name: 'Next' }).click();
    await page.waitForURL(/\/console\/fleet\?page=2$/);
    assert.match(await page.getByRole('navigation', { name: 'Pages of nodes' }).innerText(), /Page 2 of 2/);
    assert.equal(await page.locator('tbody tr').count(), NODES + BULK - 100);
    assert.equal(await page.locator('[data-live]').getAttribute('data-live'), '/console/fleet/live?page=2', 'the live region polls the page in view');
    await page.screenshot({ path: join(shots, 'console-fleet-pages.png'), fullPage: true });
    await page.getByRole('link', { name: 'Previous' }).click();
    await page.waitForURL(/\/console\/fleet$/);

    // ---- operators: add a viewer from the page; its password is shown once
    await page.getByRole('link', { name: 'Operators' }).click();
    await page.getByLabel('Name', { exact: true }).fill('bob');
    await page.getByLabel('Role').selectOption('viewer');
    await page.getByRole('button', { name: 'Add operator' }).click();
    assert.match(await dialog.innerText(), /Add operator bob \(viewer\)\?/);
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    await page.getByRole('status').getByText('Operator bob added (viewer)').waitFor();
    const bobPassword = await page.getByLabel('Secret').inputValue();
    assert.match(bobPassword, /^[\w-]{24}$/);
    await page.getByRole('row', { name: /^bob viewer/ }).waitFor();
    await page.screenshot({ path: join(shots, 'console-operators.png'), fullPage: true });
    await page.reload();
    assert.ok(!(await page.content()).includes(bobPassword), 'the password is not shown again');

    // ---- sign out: the session is gone
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/console\/login$/);
    await page.goto(`${url}/console/fleet`);
    assert.match(page.url(), /\/console\/login\?next=/);
    assert.deepEqual(cspErrors.filter((e) => /Content Security Policy|Refused/.test(e)), [], 'nothing the CSP blocks');
    // The admin log names the operator for what it did in the console.
    const events = await admin.json<{ actor: string; action: string }[]>('GET', '/v1/admin/events');
    for (const action of ['operator.login', 'rollout.create', 'rollout.pause', 'rollout.resume', 'rollback', 'operator.add', 'operator.logout']) {
      assert.ok(events.some((e) => e.actor === 'operator:alice' && e.action === action), `${action} by operator:alice`);
    }

    // ---- the new operator signs in with the password it was given: a viewer, without the operators page
    await page.getByLabel('Operator name').fill('bob');
    await page.getByLabel('Password').fill(bobPassword);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/console\/fleet$/);
    assert.match(await page.locator('.who').innerText(), /Signed in as bob \(viewer\)/);
    assert.equal(await page.getByRole('link', { name: 'Operators' }).count(), 0);
  });
});
