// HTTP clients of the API: the admin client (CLI) and the shared request/response handling.
import { AutonomyError } from '../../../common/errors.ts';

/** A response of the API, with the error body turned into an AutonomyError. */
export async function checked(res: Response): Promise<Response> {
  if (res.ok || res.status === 304) return res;
  let code = 'http_error';
  let message = `HTTP ${res.status}`;
  try {
    const b = (await res.json()) as { error?: { code?: string; message?: string } };
    if (b.error?.code) code = b.error.code;
    if (b.error?.message) message = b.error.message;
  } catch {
    // Not one of our error bodies (a proxy's page, say): keep the status line.
  }
  throw new AutonomyError(code, message);
}

/** Fetch that reports an unreachable server as a coded error. */
export async function request(url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (e) {
    throw new AutonomyError('orchestrator_unreachable', `cannot reach ${new URL(url).origin}: ${(e as Error & { cause?: Error }).cause?.message ?? (e as Error).message}`, { cause: e });
  }
}

/** The admin API, authenticated by the admin bearer token. */
export class AdminClient {
  readonly #base: string;
  readonly #token: string;
  readonly #actor: string | undefined;

  constructor(baseUrl: string, token: string, actor?: string) {
    this.#base = baseUrl.replace(/\/+$/, '');
    this.#token = token;
    this.#actor = actor;
  }

  /** Sends a request; body is JSON unless it is a Buffer. Returns the checked response. */
  async send(method: string, path: string, body?: unknown): Promise<Response> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.#token}` };
    if (this.#actor) headers['x-autonomy-actor'] = this.#actor;
    let payload: Buffer | string | undefined;
    if (Buffer.isBuffer(body)) {
      payload = body;
      headers['content-type'] = 'application/octet-stream';
    } else if (body !== undefined) {
      payload = JSON.stringify(body);
      headers['content-type'] = 'application/json';
    }
    return checked(await request(`${this.#base}${path}`, { method, headers, ...(payload !== undefined && { body: payload }) }));
  }

  /** A JSON request. */
  async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    return (await (await this.send(method, path, body)).json()) as T;
  }
}
