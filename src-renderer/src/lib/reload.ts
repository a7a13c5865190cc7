/**
 * A reload that runs one request at a time: what asks meanwhile (a progress event, a new setting) is
 * answered by one more run after it, not by a run of its own. Its error goes to `onError`; a success clears it.
 */
export function oneAtATime(work: () => Promise<void>, onError: (message: string | null) => void): () => Promise<void> {
  let loading = false;
  let again = false;
  return async () => {
    if (loading) return void (again = true);
    loading = true;
    try {
      do {
        again = false;
        await work();
        onError(null);
      } while (again);
    } catch (err) {
      onError((err as Error).message);
    } finally {
      loading = false;
    }
  };
}
