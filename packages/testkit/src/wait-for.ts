export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** Said in the failure, with the last value or error seen. */
  what?: string;
}

/**
 * Polls until `probe` returns something truthy (or a predicate holds) and returns it; fails
 * at the deadline with the last value or error seen. The only way tests wait.
 */
export async function waitFor<T>(
  probe: () => Promise<T> | T,
  options: WaitOptions & { until?: (value: T) => boolean } = {},
): Promise<T> {
  const { timeoutMs = 15_000, intervalMs = 25, what = 'condition', until = (v: T) => Boolean(v) } = options;
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (until(value)) return value;
      last = value;
    } catch (error) {
      last = error;
    }
    if (Date.now() >= deadline) {
      const seen = last instanceof Error ? last.message : JSON.stringify(last);
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last seen: ${seen}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
