import { afterEach, describe, expect, it, vi } from 'vitest';
import { launchSidecar, signedPost, stateSequence, stopSidecars } from './support/sidecar-process';

afterEach(stopSidecars);

describe('sidecar with the real simulator', () => {
  it('runs the real simulator: ready after a real generation, streams chat, reports its load', async () => {
    const { edge, sidecar, url, waitForState } = await launchSidecar(
      [
        '--engine',
        'vllm-sim',
        '--max-num-seqs',
        '4',
        '--engine-arg=--sim-startup-delay-ms=300',
        '--engine-arg=--sim-inter-token-ms=10',
      ],
      { withFakeVllm: false },
    );
    await waitForState('ready');
    const states = stateSequence(edge.heartbeats);
    expect([states[0], states.at(-1)]).toEqual(['starting', 'ready']);

    const chat = await signedPost(url, 'chat-1', '/v1/chat/completions', {
      model: 'small',
      messages: [{ role: 'user', content: 'Say something.' }],
      max_tokens: 30,
      stream: true,
    });
    expect(chat.status).toBe(200);
    expect(chat.headers.get('content-type')).toContain('text/event-stream');
    const text = await chat.text();
    expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
    await vi.waitFor(() => expect(edge.heartbeats.some((h) => h.tokensPerSecond > 0)).toBe(true), {
      timeout: 5_000,
    });

    sidecar.child.kill('SIGTERM');
    expect(await sidecar.exited).toEqual({ code: 0, signal: null });
    expect(edge.heartbeats.at(-1)?.state).toBe('stopped');
    expect(sidecar.lines()).toContainEqual(expect.objectContaining({ source: 'engine' }));
  }, 30_000);
});
