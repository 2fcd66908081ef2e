/**
 * Turns of CPU work on the main thread, one per event-loop iteration. A crawl parses and chunks pages on
 * the main thread while a group's write transaction holds the embedded database's one connection: each
 * statement's reply waits for the main thread, and PGlite's thread waits with the transaction open. Pages
 * whose responses came together used to be parsed back to back (a busy stretch of 19 ms at the 90th
 * percentile in bench:crawl's profile); taking a turn before each step lets the replies that came
 * meanwhile through first.
 *
 * Each turn resolves in a later check phase than the one before it (setImmediate callbacks queued while
 * the check phase runs wait for the next iteration), so the poll phase, which delivers I/O and worker
 * messages, runs between two turns.
 */
let last: Promise<void> = Promise.resolve();

/** Resolves when it is this caller's turn: after every earlier turn, one event-loop iteration later. */
export function cpuTurn(): Promise<void> {
  const turn = last.then(() => new Promise<void>((resolve) => setImmediate(resolve)));
  last = turn;
  return turn;
}
