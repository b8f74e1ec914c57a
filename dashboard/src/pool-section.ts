import { getJson } from './api';
import { byId, el, fillTable } from './dom';
import { formatAge, formatPercent } from './format';

interface ReplicaRow {
  replicaId: string;
  models: string[];
  state: string;
  running: number;
  waiting: number;
  kvCacheUsage: number;
  tokensPerSecond: number;
  heartbeatAgeMs: number;
  stale: boolean;
  ejections: number;
  ejected: boolean;
  detail: string | null;
}

interface PoolAnswer {
  health: {
    status: string;
    replicas: { ready: number; ejected: number; live: number; known: number };
  };
  replicas: ReplicaRow[];
}

/** The pool table, refreshed from GET /admin/pool (a fresh view of the POOL object). */
export async function refreshPool(): Promise<void> {
  const pool = await getJson<PoolAnswer>('/admin/pool');
  const h = pool.health;
  byId('pool-summary').textContent =
    `${h.status}: ${h.replicas.ready} ready of ${h.replicas.live} live ` +
    `(${h.replicas.known} known, ${h.replicas.ejected} ejected)`;
  byId('pool-summary').dataset.status = h.status;
  fillTable(
    byId<HTMLTableSectionElement>('pool-rows'),
    pool.replicas.map((r) => [
      r.replicaId,
      r.models.join(', '),
      el('span', {
        text: r.stale ? `${r.state} (silent)` : r.state,
        className: `state state-${r.stale ? 'stale' : r.state}`,
        attrs: r.detail === null ? {} : { title: r.detail },
      }),
      `${r.running} / ${r.waiting}`,
      formatPercent(r.kvCacheUsage),
      r.tokensPerSecond.toFixed(0),
      formatAge(r.heartbeatAgeMs),
      r.ejected ? `${r.ejections} (ejected now)` : String(r.ejections),
    ]),
    'No replica has sent a heartbeat yet. Start a sidecar (npm run sidecar -- --edge-url …) or npm start, and its replicas appear here within a second.',
  );
}
