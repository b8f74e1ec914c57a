import { describe, expect, it } from 'vitest';
import { createScheduler, type Slot } from '../../../origin/sim/scheduler';

const live = (): AbortSignal => new AbortController().signal;

describe('createScheduler', () => {
  it('runs up to the limit at once and queues the rest', async () => {
    const scheduler = createScheduler(2);
    await scheduler.acquire(live());
    await scheduler.acquire(live());
    void scheduler.acquire(live());
    expect(scheduler.stats()).toEqual({ running: 2, waiting: 1, contextTokens: 0 });
  });

  it('hands a freed slot to the longest-waiting request first', async () => {
    const scheduler = createScheduler(1);
    const first = await scheduler.acquire(live());
    const order: string[] = [];
    const second = scheduler.acquire(live()).then((slot) => (order.push('second'), slot));
    const third = scheduler.acquire(live()).then((slot) => (order.push('third'), slot));
    first?.release();
    (await second)?.release();
    await third;
    expect(order).toEqual(['second', 'third']);
  });

  it('drops a waiting request that aborts, without giving it a slot', async () => {
    const scheduler = createScheduler(1);
    const first = await scheduler.acquire(live());
    const controller = new AbortController();
    const waiting = scheduler.acquire(controller.signal);
    controller.abort();
    await expect(waiting).resolves.toBeUndefined();
    expect(scheduler.stats()).toMatchObject({ running: 1, waiting: 0 });
    first?.release();
    expect(scheduler.stats()).toMatchObject({ running: 0, waiting: 0 });
  });

  it('gives no slot to a request that is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(createScheduler(1).acquire(controller.signal)).resolves.toBeUndefined();
  });

  it('counts a released slot once, however often it is released', async () => {
    const scheduler = createScheduler(2);
    const slot = await scheduler.acquire(live());
    await scheduler.acquire(live());
    slot?.release();
    slot?.release();
    expect(scheduler.stats().running).toBe(1);
  });

  it('sums the context tokens of running sequences only', async () => {
    const scheduler = createScheduler(2);
    const a = (await scheduler.acquire(live())) as Slot;
    const b = (await scheduler.acquire(live())) as Slot;
    a.setContextTokens(100);
    b.setContextTokens(50);
    expect(scheduler.stats().contextTokens).toBe(150);
    a.release();
    a.setContextTokens(999);
    expect(scheduler.stats().contextTokens).toBe(50);
  });

  it('resolves whenIdle once the last running and waiting requests are gone', async () => {
    const scheduler = createScheduler(1);
    const slot = await scheduler.acquire(live());
    let idle = false;
    const done = scheduler.whenIdle().then(() => (idle = true));
    await Promise.resolve();
    expect(idle).toBe(false);
    slot?.release();
    await done;
    expect(idle).toBe(true);
  });
});
