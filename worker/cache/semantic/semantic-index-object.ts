import { DurableObject } from 'cloudflare:workers';
import type { VectorEntry, VectorMatch } from '../../ports';
import { cosine } from './vectors';

/** What every call carries: the caller's clock and the index's settings (bindings.ts reads env). */
export interface IndexSettings {
  nowMs: number;
  /** A write becomes queryable this long after it was made (Vectorize: seconds). 0 = at once. */
  visibilityDelayMs: number;
  /** Entries kept; beyond it the oldest written are evicted. */
  maxEntries: number;
}

type Mutation = { kind: 'upsert'; entries: VectorEntry[] } | { kind: 'delete'; ids: string[] };

/**
 * `SEMANTIC_INDEX`: the local `VectorIndex` for development, tests and small deployments — one
 * Durable Object (SQLite storage) with Vectorize's semantics: brute-force cosine within one
 * namespace (the hard partition: only that namespace's vectors are scored, and the metadata read
 * names the namespace again),
 * mutations applied in order after an optional visibility delay, and a size cap that evicts the
 * oldest writes. Every request goes through this one object, so it suits up to some thousands of
 * entries and tens of lookups per second; Vectorize is the production index.
 */
export class SemanticIndex extends DurableObject {
  private schemaReady = false;
  /**
   * The vectors of the namespaces queried since the object woke, decoded once: a query then
   * scores in memory and reads metadata only for its top K, instead of reading and decoding
   * every row of the namespace from SQLite each time. Kept in step with every write below;
   * SQLite stays the truth (a woken object reloads from it). At most SEMANTIC_INDEX_MAX_ENTRIES
   * vectors, entries × dimensions × 4 bytes: 15 MB at the default 10,000 of 384 dimensions. Empty namespaces are not held, so
   * lookups in scopes nobody wrote (most first prompts) leave nothing behind.
   */
  private readonly loaded = new Map<string, Map<string, Float32Array>>();
  /** For each held id, the namespace that holds it. */
  private readonly heldIn = new Map<string, string>();

  private get sql(): SqlStorage {
    const sql = this.ctx.storage.sql;
    if (!this.schemaReady) {
      sql.exec(`CREATE TABLE IF NOT EXISTS vectors (
        id TEXT PRIMARY KEY,
        namespace TEXT NOT NULL,
        dimensions INTEGER NOT NULL,
        vector BLOB NOT NULL,
        metadata TEXT NOT NULL,
        written INTEGER NOT NULL)`);
      sql.exec(
        'CREATE INDEX IF NOT EXISTS vectors_by_namespace ON vectors (namespace, dimensions)',
      );
      sql.exec('CREATE INDEX IF NOT EXISTS vectors_by_age ON vectors (written)');
      sql.exec(`CREATE TABLE IF NOT EXISTS pending (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        apply_at_ms INTEGER NOT NULL,
        mutation TEXT NOT NULL)`);
      this.schemaReady = true;
    }
    return sql;
  }

  query(
    vector: readonly number[],
    options: { topK: number; namespace: string },
    settings: IndexSettings,
  ): VectorMatch[] {
    this.applyDue(settings);
    const scored: { id: string; score: number }[] = [];
    for (const [id, stored] of this.namespaceVectors(options.namespace)) {
      if (stored.length === vector.length) scored.push({ id, score: cosine(vector, stored) });
    }
    const top = scored
      .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1))
      .slice(0, options.topK);
    // Read with the namespace too: the partition holds in SQL even if memory were ever wrong.
    return top.flatMap(({ id, score }) => {
      const [row] = this.sql
        .exec<{ metadata: string }>(
          'SELECT metadata FROM vectors WHERE id = ? AND namespace = ?',
          id,
          options.namespace,
        )
        .toArray();
      if (row === undefined) return [];
      return [{ id, score, metadata: JSON.parse(row.metadata) as VectorMatch['metadata'] }];
    });
  }

  private namespaceVectors(namespace: string): Map<string, Float32Array> {
    let vectors = this.loaded.get(namespace);
    if (vectors === undefined) {
      const rows = this.sql
        .exec<{ id: string; vector: ArrayBuffer }>(
          'SELECT id, vector FROM vectors WHERE namespace = ?',
          namespace,
        )
        .toArray();
      vectors = new Map(rows.map((row) => [row.id, new Float32Array(row.vector)]));
      if (vectors.size > 0) {
        this.loaded.set(namespace, vectors);
        for (const id of vectors.keys()) this.heldIn.set(id, namespace);
      }
    }
    return vectors;
  }

  /** Drops ids from the namespaces held in memory, wherever they were. */
  private forget(ids: Iterable<string>): void {
    for (const id of ids) {
      const namespace = this.heldIn.get(id);
      if (namespace === undefined) continue;
      this.heldIn.delete(id);
      const vectors = this.loaded.get(namespace);
      vectors?.delete(id);
      if (vectors?.size === 0) this.loaded.delete(namespace);
    }
  }

  upsert(entries: VectorEntry[], settings: IndexSettings): void {
    this.mutate({ kind: 'upsert', entries }, settings);
  }

  deleteByIds(ids: string[], settings: IndexSettings): void {
    this.mutate({ kind: 'delete', ids }, settings);
  }

  private mutate(mutation: Mutation, settings: IndexSettings): void {
    if (settings.visibilityDelayMs <= 0) {
      // Earlier delayed writes still go first: mutations apply in the order they were made.
      this.applyDue({ ...settings, nowMs: Number.MAX_SAFE_INTEGER });
      this.apply(mutation, settings.maxEntries);
      return;
    }
    this.sql.exec(
      'INSERT INTO pending (apply_at_ms, mutation) VALUES (?, ?)',
      settings.nowMs + settings.visibilityDelayMs,
      JSON.stringify(mutation),
    );
  }

  /** Applies, in order, every pending mutation whose time has come. */
  private applyDue(settings: IndexSettings): void {
    const due = this.sql
      .exec<{ seq: number; mutation: string }>(
        'SELECT seq, mutation FROM pending WHERE apply_at_ms <= ? ORDER BY seq',
        settings.nowMs,
      )
      .toArray();
    for (const { seq, mutation } of due) {
      this.apply(JSON.parse(mutation) as Mutation, settings.maxEntries);
      this.sql.exec('DELETE FROM pending WHERE seq = ?', seq);
    }
  }

  private apply(mutation: Mutation, maxEntries: number): void {
    const sql = this.sql;
    if (mutation.kind === 'delete') {
      for (const id of mutation.ids) {
        sql.exec('DELETE FROM vectors WHERE id = ?', id);
        this.forget([id]);
      }
      return;
    }
    let written = sql
      .exec<{ w: number }>('SELECT COALESCE(MAX(written), 0) AS w FROM vectors')
      .one().w;
    for (const entry of mutation.entries) {
      // Float32 like Vectorize stores them: half the space of JSON numbers, same ranking.
      const vector = new Float32Array(entry.values);
      sql.exec(
        `INSERT OR REPLACE INTO vectors (id, namespace, dimensions, vector, metadata, written)
         VALUES (?, ?, ?, ?, ?, ?)`,
        entry.id,
        entry.namespace,
        entry.values.length,
        vector.buffer,
        JSON.stringify(entry.metadata),
        ++written,
      );
      // An upsert may move an entry to another namespace.
      this.forget([entry.id]);
      const held = this.loaded.get(entry.namespace);
      if (held !== undefined) {
        held.set(entry.id, vector);
        this.heldIn.set(entry.id, entry.namespace);
      }
    }
    const excess =
      sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM vectors').one().n - maxEntries;
    if (excess > 0) {
      const evicted = sql
        .exec<{ id: string }>('SELECT id FROM vectors ORDER BY written LIMIT ?', excess)
        .toArray()
        .map((row) => row.id);
      for (const id of evicted) {
        sql.exec('DELETE FROM vectors WHERE id = ?', id);
        this.forget([id]);
      }
    }
  }
}
