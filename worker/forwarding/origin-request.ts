import { originRequestPayload, requestIdHeader, sign } from '../../contracts/signature';

/**
 * Builds the request the edge sends to a replica. Only what the engine needs crosses over: the
 * body, content negotiation, the gateway's request id and the gateway's own signed credential.
 * Client credentials, cookies and hop-by-hop headers are never copied (RELIABILITY A4) because
 * nothing from the client's headers is copied at all.
 */
export async function buildOriginRequest(input: {
  replicaUrl: string;
  path: string;
  body: string;
  stream: boolean;
  requestId: string;
  poolSecret: string;
  nowMs: number;
  signal: AbortSignal;
}): Promise<Request> {
  const credential = await sign(
    input.poolSecret,
    'origin-request',
    originRequestPayload('POST', input.path, input.requestId),
    input.nowMs,
  );
  return new Request(new URL(input.path, input.replicaUrl), {
    method: 'POST',
    body: input.body,
    signal: input.signal,
    // Redirects from an origin are not followed (RELIABILITY A5).
    redirect: 'manual',
    headers: {
      'content-type': 'application/json',
      accept: input.stream ? 'text/event-stream' : 'application/json',
      [requestIdHeader]: input.requestId,
      ...credential,
    },
  });
}
