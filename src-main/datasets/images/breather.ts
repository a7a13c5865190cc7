/**
 * Preparing a folder runs on the core's main thread, mostly in synchronous calls (reading small files
 * and stat-ing them synchronously is several times quicker than through promises). A long loop calls
 * the function this returns at each step: every few milliseconds it gives the event loop a turn, so
 * the app keeps answering while it works.
 */
export function breather(everyMs = 10): () => Promise<void> {
  let last = performance.now();
  return async () => {
    if (performance.now() - last < everyMs) return;
    await new Promise((resolve) => setImmediate(resolve));
    last = performance.now();
  };
}
