import { formText } from './dom';

/**
 * The dashboard's calls to /admin/*. The session cookie travels by itself (same origin,
 * HttpOnly); a 401 means the session is missing or over, and the page shows the login form.
 */

export class Unauthenticated extends Error {
  constructor() {
    super('not logged in');
  }
}

interface ErrorBody {
  error?: { message?: string };
}

async function send(path: string, init: RequestInit = {}): Promise<Response> {
  const response = await fetch(path, { credentials: 'same-origin', ...init });
  if (response.status === 401) throw new Unauthenticated();
  if (!response.ok) {
    const body = (await response.json().catch(() => ({}))) as ErrorBody;
    throw new Error(body.error?.message ?? `${path} answered ${response.status}`);
  }
  return response;
}

export async function getJson<T>(path: string): Promise<T> {
  return (await send(path)).json() as Promise<T>;
}

export async function postJson<T>(path: string, body?: unknown): Promise<T> {
  const init: RequestInit = { method: 'POST' };
  if (body !== undefined) {
    init.headers = { 'content-type': 'application/json' };
    init.body = JSON.stringify(body);
  }
  return (await send(path, init)).json() as Promise<T>;
}

/** Logs in with the admin token from the form; false when the token is wrong. */
export async function logIn(form: HTMLFormElement): Promise<boolean> {
  const body = new URLSearchParams();
  body.set('token', formText(new FormData(form), 'token'));
  const response = await fetch('/admin/session', { method: 'POST', body });
  if (response.status === 401) return false;
  if (!response.ok) {
    const error = (await response.json().catch(() => ({}))) as ErrorBody;
    throw new Error(error.error?.message ?? `login answered ${response.status}`);
  }
  return true;
}

export async function logOut(): Promise<void> {
  await fetch('/admin/session', { method: 'DELETE' });
}

export interface ReportAnswer {
  rows: Record<string, unknown>[];
}

export function report(
  name: string,
  by: string,
  fromMs: number,
  toMs: number,
): Promise<ReportAnswer> {
  const query = new URLSearchParams({ by, from: String(fromMs), to: String(toMs) });
  return getJson<ReportAnswer>(`/admin/reports/${name}?${query.toString()}`);
}
