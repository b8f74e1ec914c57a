import { describe, expect, it } from 'vitest';
import { createAdmission, type AdmissionResult } from '../../../origin/sidecar/admission';
import { createInFlight } from '../../../origin/sidecar/in-flight';
import type { Sleep } from '../../../origin/sidecar/ports';

/** A sleep the test ends by hand: `expire()` fires every pending queue timeout. */
function manualTimers() {
  const pending: { resolve: () => void }[] = [];
  const sleep: Sleep = (_ms, signal) =>
    new Promise<void>((resolve, reject) => {
      const entry = { resolve };
      pending.push(entry);
      signal?.addEventListener('abort', () => reject(new Error('cancelled')));
    });
  return { sleep, expire: () => pending.splice(0).forEach((entry) => entry.resolve()) };
}

function setup(maxConcurrent = 2, maxQueued = 1) {
  const timers = manualTimers();
  const inFlight = createInFlight();
  let nowMs = 1_000;
  const admission = createAdmission({
    limits: { maxConcurrent, maxQueued, queueTimeoutMs: 5_000 },
    inFlight,
    clock: { nowMs: () => nowMs },
    sleep: timers.sleep,
  });
  return { admission, inFlight, timers, tick: (ms: number) => (nowMs += ms) };
}

const live = () => new AbortController().signal;
const release = (result: AdmissionResult): void => {
  if (result.admitted) result.release();
};

describe('createAdmission', () => {
  it('admits up to the limit at once, queues a few more, and turns the rest away', async () => {
    const { admission, inFlight } = setup(2, 1);
    const first = await admission.enter(live());
    const second = await admission.enter(live());
    const queued = admission.enter(live());
    const refused = await admission.enter(live());
    expect([first.admitted, second.admitted, refused]).toEqual([
      true,
      true,
      { admitted: false, reason: 'queue_full' },
    ]);
    expect([inFlight.count(), admission.queued()]).toEqual([2, 1]);

    release(first);
    expect((await queued).admitted).toBe(true);
    expect([inFlight.count(), admission.queued()]).toEqual([2, 0]);
  });

  it('admits waiting requests in arrival order', async () => {
    const { admission } = setup(1, 5);
    const running = await admission.enter(live());
    const order: string[] = [];
    const a = admission.enter(live()).then((r) => (order.push('a'), r));
    const b = admission.enter(live()).then((r) => (order.push('b'), r));
    release(running);
    release(await a);
    await b;
    expect(order).toEqual(['a', 'b']);
  });

  it('turns a request away when it waited longer than the queue timeout', async () => {
    const { admission, timers } = setup(1, 5);
    await admission.enter(live());
    const waiting = admission.enter(live());
    timers.expire();
    expect(await waiting).toEqual({ admitted: false, reason: 'queue_timeout' });
    expect(admission.queued()).toBe(0);
  });

  it('drops a queued request whose client went away', async () => {
    const { admission } = setup(1, 5);
    await admission.enter(live());
    const controller = new AbortController();
    const waiting = admission.enter(controller.signal);
    controller.abort();
    expect(await waiting).toEqual({ admitted: false, reason: 'cancelled' });
    expect(admission.queued()).toBe(0);
  });

  it('has no queue at all when the queue length is 0', async () => {
    const { admission } = setup(1, 0);
    await admission.enter(live());
    expect(await admission.enter(live())).toEqual({ admitted: false, reason: 'queue_full' });
  });

  it('releases once, however often release is called', async () => {
    const { admission, inFlight } = setup(2, 0);
    const first = await admission.enter(live());
    await admission.enter(live());
    release(first);
    release(first);
    expect(inFlight.count()).toBe(1);
  });

  it('remembers when a request last came or went, for the idle timer', async () => {
    const { admission, tick } = setup();
    expect(admission.lastActivityMs()).toBe(1_000);
    tick(500);
    const entry = await admission.enter(live());
    expect(admission.lastActivityMs()).toBe(1_500);
    tick(700);
    release(entry);
    expect(admission.lastActivityMs()).toBe(2_200);
  });
});
