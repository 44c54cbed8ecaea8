/** Resolves once `condition` holds, looking again every `everyMs` (real time: for waits on other processes or timers). */
export async function until(condition: () => boolean, everyMs = 25): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, everyMs));
}
