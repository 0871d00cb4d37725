// Policies: every bundle revision held, its digest, the key ids that signed it, and where it is
// active (nodes confirmed on it, nodes told to run it, rollouts of it).
import { readArchive } from '../../../bundle/archive.ts';
import { SIGNATURES_FILE } from '../../../bundle/signing.ts';
import type { OrchestratorService } from '../../service.ts';
import { html } from '../html.ts';
import { badge, time, type Page } from '../layout.ts';

/** Key ids of a bundle's signatures (JWS `kid`, else the payload's `keyid`); [] if unsigned or unreadable. */
export function signerKeyIds(bytes: Buffer): string[] {
  try {
    const sig = readArchive(bytes).get(SIGNATURES_FILE);
    if (!sig) return [];
    const tokens = (JSON.parse(sig.toString('utf8')) as { signatures?: unknown }).signatures;
    if (!Array.isArray(tokens)) return [];
    return tokens.map((t) => {
      const [h, p] = String(t).split('.');
      const header = JSON.parse(Buffer.from(h ?? '', 'base64url').toString('utf8')) as { kid?: unknown };
      const payload = JSON.parse(Buffer.from(p ?? '', 'base64url').toString('utf8')) as { keyid?: unknown };
      return String(header.kid ?? payload.keyid ?? '?');
    });
  } catch {
    // Not a bundle the console can read: the nodes verify it anyway; the page says "unsigned".
    return [];
  }
}

/** Signers per digest: bundles are immutable, so a digest's signers never change. */
const signersByDigest = new Map<string, string[]>();

/** The policies page. */
export async function policiesPage(svc: OrchestratorService): Promise<Page> {
  const bundles = (await svc.store.listBundles()).reverse();
  const nodes = await svc.listNodes();
  const rollouts = await svc.store.listRollouts();
  const rows = [];
  for (const b of bundles) {
    let signers = signersByDigest.get(b.digest);
    if (!signers) {
      signers = signerKeyIds((await svc.store.getBundleBytes(b.revision)) ?? Buffer.alloc(0));
      signersByDigest.set(b.digest, signers);
    }
    const confirmed = nodes.filter((n) => n.confirmed === b.revision).length;
    const desired = nodes.filter((n) => n.desired === b.revision).length;
    const its = rollouts.filter((r) => r.revision === b.revision);
    rows.push(html`<tr>
<th scope="row">${b.revision}</th>
<td><code class="digest">sha256:${b.digest}</code></td>
<td>${signers.length ? signers.map((k, i) => html`${i ? ', ' : ''}<code>${k}</code>`) : html`<span class="muted">unsigned</span>`}</td>
<td>${confirmed} node${confirmed === 1 ? '' : 's'} active${desired !== confirmed ? html`, ${desired} told to run it` : ''}</td>
<td>${its.length ? its.map((r, i) => html`${i ? ' ' : ''}<a href="/console/rollouts/${encodeURIComponent(r.id)}">${r.id}</a> ${badge(r.state)}`) : html`<span class="muted">none</span>`}</td>
<td>${b.size} B</td>
<td>${time(b.pushedAt)}</td>
</tr>`);
  }
  return {
    title: 'Policies',
    section: '/console/policies',
    body: html`<p>Bundles are stored exactly as pushed; every node verifies each one against its own trust roots before activating it.</p>
${bundles.length === 0 ? html`<p class="muted">No bundle yet.</p>` : html`<table>
<caption class="visually-hidden">Bundle revisions, newest first</caption>
<thead><tr><th scope="col">Revision</th><th scope="col">Digest</th><th scope="col">Signer key ids</th><th scope="col">Active on</th><th scope="col">Rollouts</th><th scope="col">Size</th><th scope="col">Pushed</th></tr></thead>
<tbody>${rows}</tbody>
</table>`}`,
  };
}
