/**
 * Long CPU work on the main thread, in slices. The work is written as steps: a generator that pauses
 * (`yield`) between pieces of it, every few hundred atoms, words or blocks. runInSlices gives the event
 * loop a turn whenever a slice has run SLICE_MS, so that the engine's HTTP answers and the embedded
 * database's replies do not wait for the whole of it; runAtOnce runs it straight through (tests, small
 * inputs, synchronous callers).
 */

/** Work that pauses between its steps; its value comes with the last. */
export type Steps<T> = Generator<void, T, undefined>;

/**
 * Characters a step reads of one long text before it pauses (~5 ms of a character loop, a regular-expression
 * scan or a hash here): word counts, sentence search, cleaning and hashing of a document's text.
 */
export const STEP_CHARS = 1 << 20;

/** Time runInSlices runs before it gives the event loop a turn, ms. */
const SLICE_MS = 10;

export function runAtOnce<T>(steps: Steps<T>): T {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

export async function runInSlices<T>(steps: Steps<T>): Promise<T> {
  let sliceStart = performance.now();
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    if (performance.now() - sliceStart >= SLICE_MS) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      sliceStart = performance.now();
    }
  }
}
