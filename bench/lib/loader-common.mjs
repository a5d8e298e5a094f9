// What both load generators (load.mjs, sign-in-load.mjs) and the parent that merges their results share.

/** The p-th percentile of an ascending list (nearest rank), null for an empty list. */
export function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

export function latencySummary(sorted) {
  const count = sorted.length;
  return {
    p50: percentile(sorted, 50), p90: percentile(sorted, 90), p99: percentile(sorted, 99),
    max: sorted[count - 1] ?? null, mean: count ? sorted.reduce((a, b) => a + b, 0) / count : null,
  };
}

/**
 * Waits for the parent's go (scenario.mjs starts every load process of a scenario, then lets them all
 * start loading at once, so two processes aimed at two servers overlap for the whole run).
 */
export async function startTogether() {
  if (!process.send) return;
  const go = new Promise((resolve) => process.once('message', resolve));
  process.send('ready');
  await go;
  process.disconnect();
}
