import type { Compilable, CompiledQuery } from 'kysely';
import { runRead, type Db } from './db.js';

// Building a query with Kysely's builder and compiling it to SQL costs more than SQLite takes to
// run a simple one. The queries on every request's path are built once per dialect, with marker
// values where the caller's values go, and then run with the caller's values put in their place.

interface Prepared<Row> {
  compiled: CompiledQuery<Row>;
  /** For each parameter of the compiled query: which argument it takes, or -1 for a constant. */
  argumentOf: number[];
}

/**
 * A query of scalar arguments (each used as a whole value, never spread into a list), compiled on
 * its first run in each dialect. `build` must place each argument as a value, exactly once or more.
 */
export function precompiled<Args extends Array<string | number>, Row>(
  build: (db: Db, ...args: Args) => Compilable<Row>,
): (db: Db, ...args: Args) => Promise<Row[]> {
  // Per adapter: the same SQL serves the database and its transactions; another dialect gets its own.
  const byAdapter = new WeakMap<object, Prepared<Row>>();
  return async (db, ...args) => {
    const adapter = db.getExecutor().adapter;
    let prepared = byAdapter.get(adapter);
    if (!prepared) {
      const markers = args.map((_, i) => `\u0000argument ${i}\u0000`);
      const compiled = build(db, ...(markers as Args)).compile();
      prepared = { compiled, argumentOf: compiled.parameters.map((value) => markers.indexOf(value as string)) };
      if (markers.some((marker) => !compiled.parameters.includes(marker))) {
        throw new Error('precompiled: an argument was not used as a query value');
      }
      byAdapter.set(adapter, prepared);
    }
    const { compiled, argumentOf } = prepared;
    const parameters = compiled.parameters.map((constant, i) => (argumentOf[i]! >= 0 ? args[argumentOf[i]!] : constant));
    return runRead(db, { ...compiled, parameters });
  };
}
