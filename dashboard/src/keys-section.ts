import { getJson, postJson } from './api';
import { byId, el, fillTable, formText } from './dom';

interface KeySummary {
  id: string;
  tenantId: string;
  name: string;
  prefix: string;
  status: string;
  createdAtMs: number;
}

/** The key list with a revoke button per active key, from GET /admin/keys. */
export async function refreshKeys(onError: (error: unknown) => void): Promise<void> {
  const keys = await getJson<{ data: KeySummary[] }>('/admin/keys');
  fillTable(
    byId<HTMLTableSectionElement>('key-rows'),
    keys.data.map((k) => {
      const revoke = el('button', {
        text: 'Revoke',
        className: 'danger',
        attrs: { type: 'button', 'data-revoke': k.id, 'aria-label': `Revoke ${k.name} (${k.id})` },
      });
      revoke.hidden = k.status !== 'active';
      revoke.addEventListener('click', () => {
        if (!window.confirm(`Revoke ${k.name} (${k.prefix}…)? Requests with it fail at once.`))
          return;
        postJson(`/admin/keys/${encodeURIComponent(k.id)}/revoke`)
          .then(() => refreshKeys(onError))
          .catch(onError);
      });
      return [
        k.id,
        k.tenantId,
        k.name,
        `${k.prefix}…`,
        el('span', { text: k.status, className: `status-${k.status}` }),
        new Date(k.createdAtMs).toISOString().slice(0, 16).replace('T', ' '),
        revoke,
      ];
    }),
    'No API keys yet. Create one with the form above, or npm run keys -- create.',
  );
}

/** The create form: the new secret is shown once, in the page only, until dismissed. */
export function wireKeyForm(onError: (error: unknown) => void): void {
  const form = byId<HTMLFormElement>('key-form');
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const rpm = formText(data, 'rpm');
    const body = {
      tenantId: formText(data, 'tenant'),
      name: formText(data, 'name'),
      limits: rpm === '' ? {} : { requestsPerMinute: Number(rpm) },
    };
    postJson<{ key: KeySummary; secret: string; warning: string }>('/admin/keys', body)
      .then(async (created) => {
        byId('secret-value').textContent = created.secret;
        byId('secret-warning').textContent = created.warning;
        byId('secret-box').hidden = false;
        form.reset();
        await refreshKeys(onError);
      })
      .catch(onError);
  });
  byId('secret-done').addEventListener('click', () => {
    byId('secret-value').textContent = '';
    byId('secret-box').hidden = true;
  });
}
