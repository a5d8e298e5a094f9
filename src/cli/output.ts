// What every command shares for its output and options; it imports nothing, so `call` and `mcp`
// stay free of the server stack.

export const print = (value: unknown) => process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);

/** Commander's accumulator for a repeatable option. */
export const collect = (value: string, previous: string[]) => [...previous, value];
