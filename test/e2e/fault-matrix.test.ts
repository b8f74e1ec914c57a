import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prefixKey, renderConversation } from '../../worker/core/prefix-key';
import { rendezvousScore } from '../../worker/core/replica-choice';
import { e2ePorts } from './stack-config';
import { FaultLab, type SimHandle } from './support/fault-lab';

/**
 * The fault matrix (RELIABILITY R, T, H, S): every engine fault × when it strikes × stream or not ×
 * one replica or three, against real `vllm-sim` processes and the built Worker in workerd. Each
 * cell checks what the client sees, the attempts counted at the simulators, the D1 usage row and
 * whether the edge ejected the replica.
 *
 * Every cell gets replica ids of its own (the same processes under new names), so passive health
 * carried over from one cell cannot decide the next. The prompt of a cell is picked so that the
 * faulty replica ranks first for it (rendezvous hashing is deterministic on an idle pool).
 */

/** What the client gets when the faulty replica answers first. */
type Expect =
  /** Retried on another replica when there is one; else this error status. */
  | { kind: 'retryable'; status: number }
  /** Not retried: this error status whatever the pool. */
  | { kind: 'final'; status: number }
  /** The stream had begun: content, then one error event and no [DONE]. */
  | { kind: 'broken' };

interface Fault {
  name: string;
  /** `--sim-fault` spec; `refused` means nothing listens at the replica's address. */
  spec: string;
  timing: 'before headers' | 'before the first token' | 'mid-stream';
  stream: Expect;
  nonStream: Expect;
  /** Whether a failure at this replica counts against its health (H1). */
  counts: { stream: boolean; nonStream: boolean };
}

const retry = (status: number): Expect => ({ kind: 'retryable', status });
const final = (status: number): Expect => ({ kind: 'final', status });
const broken: Expect = { kind: 'broken' };
const both = { stream: true, nonStream: true };
const neither = { stream: false, nonStream: false };

// prettier-ignore
const faults: Fault[] = [
  { name: 'connection refused', spec: 'refused', timing: 'before headers', stream: retry(502), nonStream: retry(502), counts: both },
  { name: '503', spec: 'error=503', timing: 'before headers', stream: retry(503), nonStream: retry(503), counts: both },
  // 429 is load, not breakage: retried elsewhere, never counted against the replica (H1).
  { name: '429', spec: 'error=429', timing: 'before headers', stream: retry(503), nonStream: retry(503), counts: neither },
  { name: '500', spec: 'error=500', timing: 'before headers', stream: final(502), nonStream: final(502), counts: both },
  { name: 'engine crash', spec: 'crash', timing: 'before headers', stream: retry(502), nonStream: retry(502), counts: both },
  // A non-streamed answer has one timer for the whole answer: past it, the GPU time is spent and
  // is not spent again elsewhere.
  { name: 'hang', spec: 'hang', timing: 'before headers', stream: retry(504), nonStream: final(504), counts: both },
  // Slow is not dead (H4): a stream's late first token is retried but not held against the replica.
  { name: 'slow prefill', spec: 'delay-ms=5000', timing: 'before the first token', stream: retry(504), nonStream: final(504), counts: { stream: false, nonStream: true } },
  { name: 'stall', spec: 'stall-after=0', timing: 'before the first token', stream: retry(504), nonStream: final(504), counts: { stream: false, nonStream: true } },
  { name: 'in-band error', spec: 'sse-error-after=0', timing: 'before the first token', stream: retry(502), nonStream: final(502), counts: both },
  { name: 'reset', spec: 'cut-after=0', timing: 'before the first token', stream: retry(502), nonStream: retry(502), counts: both },
  { name: 'reset', spec: 'cut-after=3', timing: 'mid-stream', stream: broken, nonStream: retry(502), counts: both },
  { name: 'in-band error', spec: 'sse-error-after=3', timing: 'mid-stream', stream: broken, nonStream: final(502), counts: both },
  // A stream that stops progressing is cut by the idle timer; a slow stream says nothing (H1).
  { name: 'stall', spec: 'stall-after=3', timing: 'mid-stream', stream: broken, nonStream: final(504), counts: { stream: false, nonStream: true } },
  { name: 'garbage', spec: 'garbage-after=3', timing: 'mid-stream', stream: broken, nonStream: final(502), counts: both },
];

const base = e2ePorts.edge + 100;
const lab = new FaultLab({
  basePort: base,
  vars: {
    CONNECT_TIMEOUT_MS: '1000',
    RESPONSE_TIMEOUT_MS: '1000',
    FIRST_BYTE_TIMEOUT_MS: '1000',
    IDLE_TIMEOUT_MS: '800',
    KEEPALIVE_INTERVAL_MS: '60000',
    // One failure ejects, so a single cell shows the replica's health.
    EJECT_AFTER_FAILURES: '1',
    MAX_ATTEMPTS: '3',
  },
});

const cellModels = faults.flatMap((_, i) => [`trio-${i}-s`, `trio-${i}-n`]);
let healthy: SimHandle[] = [];

beforeAll(async () => {
  await lab.start();
  healthy = await Promise.all(
    [1, 2].map((n) =>
      lab.startSim({ replicaId: `healthy-${n}`, port: base + n, models: cellModels }),
    ),
  );
}, 120_000);

afterAll(() => lab.stop(), 30_000);

interface Seen {
  status: number;
  body: string;
  requestId: string;
}

async function send(model: string, stream: boolean, content: string): Promise<Seen> {
  const response = await fetch(`${lab.edgeUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${lab.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      model,
      stream,
      max_tokens: 8,
      messages: [{ role: 'user', content }],
    }),
  });
  return {
    status: response.status,
    body: await response.text(),
    requestId: response.headers.get('x-request-id') ?? '',
  };
}

/** A prompt for which `first` ranks highest among `ids` (what the edge's choice does when idle). */
function promptRanking(model: string, first: string, ids: string[]): string {
  for (let n = 0; ; n++) {
    const content = `fault probe ${n}`;
    const key = prefixKey(model, renderConversation([{ role: 'user', content }]));
    const best = ids.reduce((a, b) => (rendezvousScore(key, b) > rendezvousScore(key, a) ? b : a));
    if (best === first) return content;
  }
}

async function usageRow(requestId: string) {
  const db = await lab.db();
  for (let i = 0; i < 100; i++) {
    const row = await db
      .prepare('SELECT status, http_status, error_code FROM usage_events WHERE request_id = ?')
      .bind(requestId)
      .first<{ status: string; http_status: number; error_code: string | null }>();
    if (row !== null) {
      const attempts = await db
        .prepare('SELECT count(*) AS n FROM usage_attempts WHERE request_id = ?')
        .bind(requestId)
        .first<{ n: number }>();
      return { ...row, attempts: attempts?.n ?? 0 };
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no usage row for ${requestId}`);
}

/** Which replica the edge tried first for a request (its usage_attempts rows). */
async function firstReplica(requestId: string): Promise<string | null> {
  await usageRow(requestId);
  const db = await lab.db();
  const row = await db
    .prepare('SELECT replica_id FROM usage_attempts WHERE request_id = ? AND attempt = 1')
    .bind(requestId)
    .first<{ replica_id: string | null }>();
  return row?.replica_id ?? null;
}

function sseEvents(body: string): string[] {
  return body
    .split('\n\n')
    .map((block) => block.trim())
    .filter((block) => block.startsWith('data: '))
    .map((block) => block.slice('data: '.length));
}

/** What a full answer looks like to the client. */
function expectComplete(seen: Seen, stream: boolean): void {
  expect(seen.status).toBe(200);
  if (!stream) {
    expect(JSON.parse(seen.body)).toMatchObject({ object: 'chat.completion' });
    return;
  }
  const events = sseEvents(seen.body);
  expect(events.at(-1)).toBe('[DONE]');
  expect(events.some((e) => e.includes('"error"'))).toBe(false);
}

const modes = [
  { stream: true, mode: 'stream', suffix: 's' },
  { stream: false, mode: 'non-stream', suffix: 'n' },
] as const;

describe.each(faults.map((fault, index) => ({ ...fault, index })))(
  'fault $spec ($name, $timing)',
  (fault) => {
    let faulty: SimHandle | undefined;
    const port = base + 10 + fault.index;
    const url = `http://127.0.0.1:${port}`;
    const modelOf = (suffix: string, size: number) =>
      size === 1 ? `solo-${fault.index}-${suffix}` : `trio-${fault.index}-${suffix}`;
    const cells = modes.flatMap(({ suffix }) =>
      [1, 3].map((size) => {
        const cell = `${fault.index}-${suffix}-${size}`;
        const ids = [`faulty-${cell}`, ...(size === 3 ? [`h1-${cell}`, `h2-${cell}`] : [])];
        return { model: modelOf(suffix, size), ids };
      }),
    );

    const startFaulty = async () => {
      if (fault.spec === 'refused') return;
      await faulty?.stop(true);
      faulty = await lab.startSim({
        replicaId: `faulty-${fault.index}`,
        port,
        models: cells.map((c) => c.model),
        fault: fault.spec,
      });
    };
    beforeAll(async () => {
      // A crashed engine stays down: each cell of that fault starts it afresh instead.
      if (fault.spec !== 'crash') await startFaulty();
      for (const { model, ids } of cells) {
        const [faultyId, ...healthyIds] = ids;
        await lab.register({ replicaId: faultyId!, url, models: [model] });
        for (const [i, id] of healthyIds.entries()) {
          await lab.register({ replicaId: id, url: healthy[i]!.url, models: [model] });
        }
      }
      // Each isolate refreshes its view of the pool about once a second.
      await new Promise((resolve) => setTimeout(resolve, 1_200));
    }, 60_000);
    afterAll(async () => {
      for (const { ids } of cells) for (const id of ids) lab.forget(id);
      await faulty?.stop(true);
    });

    describe.each(modes)('$mode', ({ stream, suffix }) => {
      const expected = stream ? fault.stream : fault.nonStream;
      const counts = stream ? fault.counts.stream : fault.counts.nonStream;

      it.each([1, 3])('with %i replica(s)', async (size) => {
        if (fault.spec === 'crash') await startFaulty();
        const model = modelOf(suffix, size);
        const ids = cells.find((c) => c.model === model)!.ids;
        const faultyId = ids[0]!;
        const prompt = promptRanking(model, faultyId, ids);
        const receivedByHealthy = async () =>
          (await Promise.all(healthy.map((h) => h.received()))).reduce((a, b) => a + b);
        const before = {
          faulty: await faulty?.received().catch(() => 0),
          healthy: await receivedByHealthy(),
        };

        const seen = await send(model, stream, prompt);
        const row = await usageRow(seen.requestId);
        const healthyCalls = (await receivedByHealthy()) - before.healthy;

        // The faulty replica was asked exactly once (a crashed one cannot say so).
        if (fault.spec !== 'refused' && fault.spec !== 'crash') {
          expect((await faulty!.received()) - before.faulty!).toBe(1);
        }
        if (expected.kind === 'retryable' && size === 3) {
          expectComplete(seen, stream);
          expect(healthyCalls).toBe(1);
          expect(row).toMatchObject({ status: 'ok', http_status: 200, attempts: 2 });
        } else if (expected.kind === 'broken') {
          expect(seen.status).toBe(200);
          const events = sseEvents(seen.body);
          expect(events).not.toContain('[DONE]');
          expect(events.filter((e) => e.includes('"error"'))).toHaveLength(1);
          expect(events.at(-1)).toContain('"error"');
          expect(events.length).toBeGreaterThan(1);
          expect(healthyCalls).toBe(0);
          expect(row).toMatchObject({ status: 'midstream_error', http_status: 200, attempts: 1 });
        } else {
          expect(seen.status).toBe(expected.status);
          expect(JSON.parse(seen.body)).toMatchObject({ error: { type: expect.any(String) } });
          expect(healthyCalls).toBe(0);
          expect(row).toMatchObject({ http_status: expected.status, attempts: 1 });
          expect(row.status).toMatch(/^upstream_/);
        }

        // Health: the same request again. An ejected replica is skipped; the last replica of a
        // model never is (H1, H2), and faults that say nothing about health leave it in place.
        const beforeProbe = await faulty?.received().catch(() => undefined);
        const probe = await send(model, stream, prompt);
        const ejected = size === 3 && counts;
        if (beforeProbe !== undefined && fault.spec !== 'crash') {
          expect((await faulty!.received()) - beforeProbe).toBe(ejected ? 0 : 1);
          return;
        }
        const first = await firstReplica(probe.requestId);
        if (ejected) expect(ids.slice(1)).toContain(first);
        else expect(first).toBe(faultyId);
      });
    });
  },
);
