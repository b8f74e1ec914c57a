import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { createFakeOrigin } from './support/fake-origin';
import { createKey, jsonRequest, testApp } from './support/harness';

async function answeredRequest() {
  const { send } = testApp({ originFetch: createFakeOrigin().fetch });
  const owner = await createKey();
  const { response } = await send(
    '/v1/chat/completions',
    jsonRequest(owner.key, { model: 'tiny', messages: [{ role: 'user', content: 'hi' }] }),
  );
  return { send, owner, requestId: response.headers.get('x-request-id') ?? '' };
}

describe('POST /v1/feedback', () => {
  it('stores a rating with its label for a request of the same tenant', async () => {
    const { send, owner, requestId } = await answeredRequest();

    const { response, text } = await send(
      '/v1/feedback',
      jsonRequest(owner.key, {
        request_id: requestId,
        rating: -1,
        label: 'hallucination',
        comment: 'made up a date',
      }),
    );

    expect(response.status).toBe(201);
    expect(JSON.parse(text)).toMatchObject({ object: 'feedback', request_id: requestId });
    const row = await env.DB.prepare('SELECT * FROM feedback WHERE request_id = ?')
      .bind(requestId)
      .first();
    expect(row).toMatchObject({
      tenant_id: owner.tenantId,
      key_id: owner.keyId,
      rating: -1,
      label: 'hallucination',
    });
  });

  it("answers 404 for another tenant's request, the same as for an unknown one", async () => {
    const { send, requestId } = await answeredRequest();
    const stranger = await createKey();

    const foreign = await send(
      '/v1/feedback',
      jsonRequest(stranger.key, { request_id: requestId, rating: 1 }),
    );
    const unknown = await send(
      '/v1/feedback',
      jsonRequest(stranger.key, { request_id: 'req_000000000000000000000000', rating: 1 }),
    );

    expect(foreign.response.status).toBe(404);
    const message = (text: string, id: string) =>
      (JSON.parse(text) as { error: { message: string } }).error.message.replace(id, 'ID');
    expect(message(foreign.text, requestId)).toBe(
      message(unknown.text, 'req_000000000000000000000000'),
    );
    const count = await env.DB.prepare('SELECT COUNT(*) AS n FROM feedback WHERE request_id = ?')
      .bind(requestId)
      .first();
    expect(count).toEqual({ n: 0 });
  });

  it.each([
    [{ request_id: 'nope', rating: 1 }, 'request_id'],
    [{ request_id: 'req_000000000000000000000000', rating: 5 }, 'rating'],
    [{ request_id: 'req_000000000000000000000000', rating: 1, label: 'Not A Label!' }, 'label'],
  ])('rejects %j naming %s', async (body, param) => {
    const { send, owner } = await answeredRequest();
    const { response, text } = await send('/v1/feedback', jsonRequest(owner.key, body));
    expect(response.status).toBe(400);
    expect(JSON.parse(text)).toMatchObject({ error: { param } });
  });
});
