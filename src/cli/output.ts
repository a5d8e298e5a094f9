// What every command shares for its output and options; it imports nothing, so `call` and `mcp`
// stay free of the server stack.

export const print = (value: unknown) => process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);

/** Commander's accumulator for a repeatable option. */
export const collect = (value: string, previous: string[]) => [...previous, value];

export const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** A `--status a,b` option's parser: only the statuses given, each one of `allowed`. */
export function statusList<T extends string>(allowed: readonly T[]): (value: string) => T[] {
  return (value) => {
    const wanted = value.split(',').map((s) => s.trim()).filter(Boolean);
    for (const status of wanted) {
      if (!(allowed as readonly string[]).includes(status)) throw new Error(`--status: expected ${allowed.join(', ')}; got "${status}"`);
    }
    return wanted as T[];
  };
}

/** A `--limit n` option's parser. */
export function positive(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 10_000) throw new Error(`--limit: expected 1 to 10000, got "${value}"`);
  return Number(value);
}
