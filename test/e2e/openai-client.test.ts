import OpenAI from 'openai';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { d1Execute } from '../../scripts/lib/wrangler';
import { e2eModel, e2ePorts, interTokenMs } from './stack-config';

/**
 * The walking skeleton end to end: the official `openai` client → wrangler dev (edge) → sidecar →
 * vllm-sim, with every request checked against its row in the local D1.
 */

const edgeUrl = inject('edgeUrl');
const client = new OpenAI({ baseURL: `${edgeUrl}/v1`, apiKey: inject('apiKey'), maxRetries: 0 });
const requestIds: string[] = [];
const messages = [{ role: 'user' as const, content: 'Tell me about switchyards.' }];

interface UsageRow {
  request_id: string;
  status: string;
  prompt_tokens: number;
  completion_tokens: number;
  tokens_estimated: number;
  stream: number;
  http_status: number;
  replica_id: string | null;
}

async function usageRows(ids: string[]): Promise<UsageRow[]> {
  const list = ids.map((id) => `'${id.replace(/[^A-Za-z0-9_]/g, '')}'`).join(',');
  const [rows] = await d1Execute<UsageRow>(
    `SELECT * FROM usage_events WHERE request_id IN (${list})`,
    {
      remote: false,
      persistTo: inject('persistTo'),
    },
  );
  return rows ?? [];
}

/** Rows are written through waitUntil after the response; give them a moment to land. */
async function waitForRows(ids: string[], timeoutMs = 15_000): Promise<UsageRow[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows = await usageRows(ids);
    if (rows.length >= ids.length || Date.now() > deadline) return rows;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

describe('the official openai client through the local stack', () => {
  it('streams chat chunks as they are generated and ends normally', async () => {
    const { data: stream, response } = await client.chat.completions
      .create({ model: e2eModel, messages, stream: true, max_tokens: 24 })
      .withResponse();
    requestIds.push(response.headers.get('x-request-id') ?? '');
    const arrivals: number[] = [];
    let text = '';
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      expect(chunk.usage ?? undefined).toBeUndefined();
      const piece = chunk.choices[0]?.delta.content ?? '';
      if (piece) arrivals.push(performance.now());
      text += piece;
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(text.length).toBeGreaterThan(0);
    expect(finish).toMatch(/^(stop|length)$/);
    // Incremental, not one burst: the tokens arrive spread over most of the generation time.
    expect(arrivals.length).toBeGreaterThan(5);
    expect(arrivals.at(-1)! - arrivals[0]!).toBeGreaterThan(
      0.5 * (arrivals.length - 1) * interTokenMs,
    );
  });

  it('returns exactly one usage chunk when the client asks for it, matching the usage row', async () => {
    const { data: stream, response } = await client.chat.completions
      .create({ model: e2eModel, messages, stream: true, stream_options: { include_usage: true } })
      .withResponse();
    const requestId = response.headers.get('x-request-id') ?? '';
    requestIds.push(requestId);
    const usages = [];
    for await (const chunk of stream) if (chunk.usage) usages.push(chunk.usage);
    expect(usages).toHaveLength(1);
    const [row] = await waitForRows([requestId]);
    expect(row).toMatchObject({
      prompt_tokens: usages[0]?.prompt_tokens,
      completion_tokens: usages[0]?.completion_tokens,
      tokens_estimated: 0,
    });
  });

  it('returns a complete ChatCompletion with usage', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: e2eModel, messages, max_tokens: 16 })
      .withResponse();
    requestIds.push(response.headers.get('x-request-id') ?? '');
    expect(data.object).toBe('chat.completion');
    expect(data.choices[0]?.message.content?.length).toBeGreaterThan(0);
    expect(data.usage?.completion_tokens).toBeGreaterThan(0);
    expect(data.usage?.total_tokens).toBe(
      (data.usage?.prompt_tokens ?? 0) + (data.usage?.completion_tokens ?? 0),
    );
    expect(response.headers.get('x-switchyard-replica')).toMatch(/^e2e-[12]$/);
  });

  it('serves legacy completions, streamed and not', async () => {
    const { data, response } = await client.completions
      .create({ model: e2eModel, prompt: 'Once upon a time', max_tokens: 8 })
      .withResponse();
    requestIds.push(response.headers.get('x-request-id') ?? '');
    expect(data.choices[0]?.text.length).toBeGreaterThan(0);
    expect(data.usage?.completion_tokens).toBeGreaterThan(0);

    const { data: stream, response: streamResponse } = await client.completions
      .create({ model: e2eModel, prompt: 'Once upon a time', max_tokens: 8, stream: true })
      .withResponse();
    requestIds.push(streamResponse.headers.get('x-request-id') ?? '');
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.text ?? '';
    expect(text).toBe(data.choices[0]?.text);
  });

  it('answers embeddings with deterministic vectors', async () => {
    const first = await client.embeddings
      .create({ model: e2eModel, input: ['switchyard', 'gateway'] })
      .withResponse();
    const second = await client.embeddings
      .create({ model: e2eModel, input: 'switchyard' })
      .withResponse();
    requestIds.push(
      first.response.headers.get('x-request-id') ?? '',
      second.response.headers.get('x-request-id') ?? '',
    );
    expect(first.data.data).toHaveLength(2);
    expect(first.data.data[0]?.embedding.length).toBeGreaterThan(0);
    expect(second.data.data[0]?.embedding).toEqual(first.data.data[0]?.embedding);
    expect(first.data.usage.prompt_tokens).toBeGreaterThan(0);
  });

  it('lists the models the ready replicas serve', async () => {
    const models = [];
    for await (const model of client.models.list()) models.push(model.id);
    expect(models).toContain(e2eModel);
  });

  it.each([
    [
      'a wrong key',
      () =>
        new OpenAI({
          baseURL: `${edgeUrl}/v1`,
          apiKey: 'sk-sy-wrong',
          maxRetries: 0,
        }).chat.completions.create({ model: e2eModel, messages }),
      OpenAI.AuthenticationError,
      401,
    ],
    [
      'an unknown model',
      () => client.chat.completions.create({ model: 'no-such-model', messages }),
      OpenAI.NotFoundError,
      404,
    ],
    [
      'a malformed body',
      () =>
        client.chat.completions.create({
          model: e2eModel,
          messages: 'not a list' as unknown as typeof messages,
        }),
      OpenAI.BadRequestError,
      400,
    ],
  ])('raises the matching error class for %s', async (_name, call, errorClass, status) => {
    const error = await call().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(errorClass);
    const apiError = error as InstanceType<typeof OpenAI.APIError>;
    expect(apiError.status).toBe(status);
    expect(apiError.error).toMatchObject({
      message: expect.any(String),
      type: expect.any(String),
      code: expect.any(String),
    });
    requestIds.push(apiError.requestID ?? '');
  });

  it('aborts the engine request when the client disconnects mid-stream', async () => {
    const controller = new AbortController();
    const { data: stream, response } = await client.chat.completions
      .create(
        { model: e2eModel, messages, stream: true, max_tokens: 2000 },
        { signal: controller.signal },
      )
      .withResponse();
    const requestId = response.headers.get('x-request-id') ?? '';
    requestIds.push(requestId);
    const replicaId = response.headers.get('x-switchyard-replica');
    let chunks = 0;
    try {
      for await (const chunk of stream) {
        if (chunk.choices.length > 0 && ++chunks === 3) controller.abort();
      }
    } catch {
      // Depending on timing the client ends the iteration or throws its abort error; both are fine.
    }
    expect(chunks).toBe(3);

    const replicaIndex = replicaId === 'e2e-2' ? 1 : 0;
    const metricsUrl = `http://127.0.0.1:${e2ePorts.replicas[replicaIndex]!.enginePort}/metrics`;
    const deadline = Date.now() + 10_000;
    let running = Number.NaN;
    while (Date.now() < deadline) {
      const text = await (await fetch(metricsUrl)).text();
      running = Number(/^vllm:num_requests_running\{[^}]*\} (\S+)/m.exec(text)?.[1]);
      if (running === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(running).toBe(0);
    const [row] = await waitForRows([requestId]);
    expect(row).toMatchObject({ status: 'client_cancelled' });
    expect(row?.completion_tokens).toBeGreaterThan(0);
  });

  afterAll(async () => {
    // Every request above, the failed ones included, left exactly one row.
    const ids = requestIds.filter((id) => id !== '');
    expect(ids.length).toBe(requestIds.length);
    const rows = await waitForRows(ids);
    expect(rows.map((r) => r.request_id).sort()).toEqual([...ids].sort());
    const errors = rows.filter((r) => r.http_status >= 400).map((r) => [r.http_status, r.status]);
    expect(errors.sort()).toEqual([
      [400, 'client_error'],
      [401, 'auth_error'],
      [404, 'client_error'],
    ]);
  });
});
