import { describe, expect, it } from 'vitest';
import { createScheduler, type Slot, type Ticket } from '../../../origin/sim/scheduler';

const live = (): AbortSignal => new AbortController().signal;

/** A reservation that counts its releases. */
function reservation() {
  const r = { releases: 0, release: () => (r.releases += 1) };
  return r;
}
const always = () => reservation();

async function slotOf<T extends { release(): void }>(ticket: Ticket<T>): Promise<Slot<T>> {
  if (ticket.kind !== 'queued') throw new Error('turned away');
  const slot = await ticket.slot;
  if (slot === undefined) throw new Error('aborted');
  return slot;
}

describe('createScheduler', () => {
  it('runs up to the limit at once and queues the rest', async () => {
    const scheduler = createScheduler({ maxRunning: 2 });
    await slotOf(scheduler.enqueue(live(), always));
    await slotOf(scheduler.enqueue(live(), always));
    void slotOf(scheduler.enqueue(live(), always));
    expect(scheduler.stats()).toEqual({ running: 2, waiting: 1 });
  });

  it('hands a freed slot to the longest-waiting request first', async () => {
    const scheduler = createScheduler({ maxRunning: 1 });
    const first = await slotOf(scheduler.enqueue(live(), always));
    const order: string[] = [];
    const second = slotOf(scheduler.enqueue(live(), always)).then(
      (slot) => (order.push('second'), slot),
    );
    const third = slotOf(scheduler.enqueue(live(), always)).then(
      (slot) => (order.push('third'), slot),
    );
    first.release();
    (await second).release();
    await third;
    expect(order).toEqual(['second', 'third']);
  });

  it('turns a request away at once when the waiting queue is full', async () => {
    const scheduler = createScheduler({ maxRunning: 1, maxWaiting: 1 });
    await slotOf(scheduler.enqueue(live(), always));
    expect(scheduler.enqueue(live(), always).kind).toBe('queued');
    expect(scheduler.enqueue(live(), always)).toEqual({ kind: 'queue-full' });
    expect(scheduler.stats()).toEqual({ running: 1, waiting: 1 });
  });

  it('keeps the head waiting while its KV blocks cannot be found, and those behind it too', async () => {
    const scheduler = createScheduler({ maxRunning: 4 });
    let freeBlocks = 1;
    const takeBlock = () => {
      if (freeBlocks === 0) return undefined;
      freeBlocks -= 1;
      return { release: () => (freeBlocks += 1) };
    };
    const running = await slotOf(scheduler.enqueue(live(), takeBlock));
    const head = slotOf(scheduler.enqueue(live(), takeBlock));
    const behind = slotOf(scheduler.enqueue(live(), always));
    expect(scheduler.stats()).toEqual({ running: 1, waiting: 2 });
    running.release();
    await Promise.all([head, behind]);
    expect(scheduler.stats()).toEqual({ running: 2, waiting: 0 });
  });

  it('frees the reservation with the slot, once, however often the slot is released', async () => {
    const scheduler = createScheduler({ maxRunning: 2 });
    const slot = await slotOf(scheduler.enqueue(live(), always));
    await slotOf(scheduler.enqueue(live(), always));
    slot.release();
    slot.release();
    expect(scheduler.stats().running).toBe(1);
    expect(slot.reservation.releases).toBe(1);
  });

  it('drops a waiting request that aborts, without giving it a slot', async () => {
    const scheduler = createScheduler({ maxRunning: 1 });
    const first = await slotOf(scheduler.enqueue(live(), always));
    const controller = new AbortController();
    const waiting = scheduler.enqueue(controller.signal, always);
    controller.abort();
    expect(waiting.kind === 'queued' && (await waiting.slot)).toBeUndefined();
    expect(scheduler.stats()).toEqual({ running: 1, waiting: 0 });
    first.release();
    expect(scheduler.stats()).toEqual({ running: 0, waiting: 0 });
  });

  it('gives no slot to a request that is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const ticket = createScheduler({ maxRunning: 1 }).enqueue(controller.signal, always);
    expect(ticket.kind === 'queued' && (await ticket.slot)).toBeUndefined();
  });

  it('resolves whenIdle once the last running and waiting requests are gone', async () => {
    const scheduler = createScheduler({ maxRunning: 1 });
    const slot = await slotOf(scheduler.enqueue(live(), always));
    let idle = false;
    const done = scheduler.whenIdle().then(() => (idle = true));
    await Promise.resolve();
    expect(idle).toBe(false);
    slot.release();
    await done;
    expect(idle).toBe(true);
  });
});
