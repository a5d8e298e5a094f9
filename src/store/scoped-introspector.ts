import { PostgresDialect, sql, type DatabaseIntrospector, type DatabaseMetadata, type Kysely, type SchemaMetadata, type TableMetadata } from 'kysely';

// Kysely's migrator asks the introspector whether its two bookkeeping tables exist. Kysely's own
// PostgreSQL introspector answers by scanning every schema in the database and calling
// has_schema_privilege() on each; a schema dropped by someone else during that scan (another
// tenant, a parallel test run) fails our start-up with `schema "theirs" does not exist`.
// This one looks only at the schemas on our search_path, which is all the migrator needs.

class SearchPathIntrospector implements DatabaseIntrospector {
  constructor(private readonly db: Kysely<unknown>) {}

  async getSchemas(): Promise<SchemaMetadata[]> {
    const { rows } = await sql<{ name: string }>`select unnest(current_schemas(false)) as name`.execute(this.db);
    return rows;
  }

  /** Tables and views on the search_path, with their columns. */
  async getTables(): Promise<TableMetadata[]> {
    const { rows } = await sql<{ schema: string; table: string; kind: string; column: string | null; type: string | null; not_null: boolean | null; has_default: boolean | null }>`
      select n.nspname as schema, c.relname as table, c.relkind as kind,
             a.attname as column, format_type(a.atttypid, a.atttypmod) as type, a.attnotnull as not_null, a.atthasdef as has_default
      from pg_class c
      join pg_namespace n on n.oid = c.relnamespace
      left join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
      where c.relkind in ('r', 'v', 'p') and n.nspname = any (current_schemas(false))
      order by n.nspname, c.relname, a.attnum`.execute(this.db);
    const tables = new Map<string, TableMetadata>();
    for (const row of rows) {
      const key = `${row.schema}.${row.table}`;
      let table = tables.get(key);
      if (!table) {
        table = { schema: row.schema, name: row.table, isView: row.kind === 'v', columns: [] };
        tables.set(key, table);
      }
      if (row.column === null) continue;
      table.columns.push({
        name: row.column, dataType: row.type ?? '', isNullable: !row.not_null, hasDefaultValue: row.has_default === true,
        isAutoIncrementing: false,
      });
    }
    return [...tables.values()];
  }

  async getMetadata(): Promise<DatabaseMetadata> {
    return { tables: await this.getTables() };
  }
}

/** Kysely's PostgreSQL dialect, introspecting only our own schemas. */
export class ScopedPostgresDialect extends PostgresDialect {
  override createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new SearchPathIntrospector(db);
  }
}
