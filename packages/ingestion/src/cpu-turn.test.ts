import { MessageChannel } from 'node:worker_threads';
import { expect, it } from 'vitest';
import { cpuTurn } from './cpu-turn.js';

function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

it('lets a message that came during one turn through before the next turn', async () => {
  const order: string[] = [];
  const { port1, port2 } = new MessageChannel();
  const delivered = new Promise<void>((resolve) => port2.once('message', () => resolve(void order.push('message'))));
  const step = async (name: string) => {
    await cpuTurn();
    order.push(name);
    // the reply a database thread would send while this page is parsed
    if (name === 'a') port1.postMessage('reply');
    busy(5);
  };
  // three pages whose responses came together
  await Promise.all([step('a'), step('b'), step('c')]);
  await delivered;
  port1.close();
  expect(order).toEqual(['a', 'message', 'b', 'c']);
});

it('gives turns in the order they were asked for', async () => {
  const order: number[] = [];
  await Promise.all([1, 2, 3, 4].map(async (n) => {
    await cpuTurn();
    order.push(n);
  }));
  expect(order).toEqual([1, 2, 3, 4]);
});
