// The sign-in page: operator name and password (the form posts to /console/login).
import { html } from '../html.ts';
import { alert, field, type Page } from '../layout.ts';

/** The login page, with an error when the last attempt failed. */
export function loginPage(next: string, error: string | null, name = ''): Page {
  return {
    title: 'Sign in',
    body: html`${error ? alert(error) : ''}<form class="login" method="post" action="/console/login">
<input type="hidden" name="next" value="${next}">
${field('Operator name', 'f-name', html`<input id="f-name" name="name" value="${name}" autocomplete="username" required autofocus>`)}
${field('Password', 'f-password', html`<input id="f-password" name="password" type="password" autocomplete="current-password" required>`)}
<button type="submit">Sign in</button>
</form>
<p class="muted">Operators are created with <code>autonomy-orchestrator operator add NAME</code>.</p>`,
  };
}
