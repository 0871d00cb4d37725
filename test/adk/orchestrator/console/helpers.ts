// Scaffolding for the console's tests: sign in through the form, read a page's CSRF token.

/** Signs in through the console's form; returns the status, the cookie (name=value) and the Set-Cookie line. */
export async function login(url: string, name: string, password: string, headers: Record<string, string> = {}): Promise<{ status: number; cookie: string | null; setCookie: string; location: string | null; body: string }> {
  const res = await fetch(`${url}/console/login`, {
    method: 'POST', redirect: 'manual', headers: { origin: url, 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams({ name, password, next: '/console/audit?node=a' }),
  });
  const setCookie = res.headers.get('set-cookie') ?? '';
  return { status: res.status, cookie: setCookie ? setCookie.split(';')[0]! : null, setCookie, location: res.headers.get('location'), body: await res.text() };
}

/** The CSRF token a page of the console carries for this session. */
export async function csrfOf(url: string, cookie: string): Promise<string> {
  const page = await (await fetch(`${url}/console/fleet`, { headers: { cookie } })).text();
  return /<meta name="csrf-token" content="([^"]+)">/.exec(page)![1]!;
}
