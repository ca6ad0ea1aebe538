/** Asks `get` until `done` holds or `ms` have passed; returns the last answer either way. */
export async function until<T>(get: () => Promise<T>, done: (v: T) => boolean, ms = 15_000, pollMs = 100): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await get();
    if (done(v) || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
