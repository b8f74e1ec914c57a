import { describe, expect, it } from 'vitest';
import {
  buildUsageRow,
  classifyStatus,
  type RequestEnd,
  type UsageDraft,
} from '../../worker/core/usage-row';

const end = (overrides: Partial<RequestEnd> = {}): RequestEnd => ({
  httpStatus: 200,
  errorCode: undefined,
  endedAtMs: 1_500,
  clientAborted: false,
  relay: undefined,
  ...overrides,
});
const relay = (e: 'done' | 'upstream_truncated' | 'client_cancelled' | 'upstream_error_event') => ({
  end: e,
  usage: undefined,
  contentChunks: 4,
  firstTokenAtMs: 1_100,
});

describe('classifyStatus', () => {
  it.each([
    [end(), 'ok'],
    [end({ httpStatus: 401, errorCode: 'invalid_api_key' }), 'auth_error'],
    [end({ httpStatus: 400, errorCode: 'invalid_json' }), 'client_error'],
    [end({ httpStatus: 404, errorCode: 'model_not_found' }), 'client_error'],
    [end({ httpStatus: 503, errorCode: 'no_replica_available' }), 'upstream_unavailable'],
    [end({ httpStatus: 502, errorCode: 'upstream_unreachable' }), 'upstream_error'],
    [end({ httpStatus: 500, errorCode: 'internal_error' }), 'internal_error'],
    [end({ httpStatus: 502, clientAborted: true }), 'client_cancelled'],
    [end({ relay: relay('done') }), 'ok'],
    [end({ relay: relay('upstream_truncated') }), 'midstream_error'],
    [end({ relay: relay('upstream_error_event') }), 'midstream_error'],
    [end({ relay: relay('client_cancelled') }), 'client_cancelled'],
  ] as const)('%j → %s', (requestEnd, status) => {
    expect(classifyStatus(requestEnd)).toBe(status);
  });
});

describe('buildUsageRow', () => {
  const draft: UsageDraft = {
    requestId: 'req_1',
    startedAtMs: 1_000,
    endpoint: 'chat/completions',
    stream: true,
    promptChars: 40,
    attempts: [],
  };

  it('takes the engine usage when there is one', () => {
    const row = buildUsageRow(
      { ...draft, usage: { prompt_tokens: 9, completion_tokens: 2 } },
      end({ relay: { ...relay('done'), usage: { prompt_tokens: 12, completion_tokens: 4 } } }),
    );
    expect(row).toMatchObject({
      promptTokens: 12,
      completionTokens: 4,
      tokensEstimated: false,
      ttftMs: 100,
      latencyMs: 500,
    });
  });

  it('estimates and marks the counts when a stream broke before usage arrived', () => {
    const row = buildUsageRow(draft, end({ relay: relay('client_cancelled') }));
    expect(row).toMatchObject({
      promptTokens: 10,
      completionTokens: 4,
      tokensEstimated: true,
      status: 'client_cancelled',
    });
  });

  it('records zero tokens for a request that never reached an engine', () => {
    const row = buildUsageRow(draft, end({ httpStatus: 401, errorCode: 'invalid_api_key' }));
    expect(row).toMatchObject({
      promptTokens: 0,
      completionTokens: 0,
      tokensEstimated: false,
      ttftMs: null,
    });
  });
});
