/** Small statistics for the benchmark: medians and percentiles of millisecond samples, and the order of interleaved runs. */
export function percentile(samples: number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

export const median = (samples: number[]) => percentile(samples, 50);

export const ms = (value: number) => `${value.toFixed(1)} ms`;
export const ratio = (value: number) => `${value.toFixed(2)}×`;

/** Milliseconds since `start` (a process.hrtime.bigint() reading). */
export const since = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;

/** A copy of `items` in random order (Fisher–Yates): interleaved runs in a new order each round, so none always follows the same one. */
export function shuffled<T>(items: readonly T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}
