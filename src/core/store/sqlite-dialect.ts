import type { Dialect } from './db-adapter.js';
import { assertIdentifier } from './identifiers.js';

export const sqliteDialect: Dialect = {
  name: 'sqlite',
  quote: (identifier) => `"${assertIdentifier(identifier, 'identifier')}"`,
  upsert(table, columns, keyColumns, rowCount) {
    const q = sqliteDialect.quote;
    const tuple = `(${columns.map(() => '?').join(', ')})`;
    const updates = columns.filter((c) => !keyColumns.includes(c)).map((c) => `${q(c)} = excluded.${q(c)}`);
    const onConflict = updates.length > 0 ? `DO UPDATE SET ${updates.join(', ')}` : 'DO NOTHING';
    return (
      `INSERT INTO ${q(table)} (${columns.map(q).join(', ')}) VALUES ${Array.from({ length: rowCount }, () => tuple).join(', ')} ` +
      `ON CONFLICT (${keyColumns.map(q).join(', ')}) ${onConflict}`
    );
  },
  insertIgnore: (table, columns) =>
    `INSERT OR IGNORE INTO ${sqliteDialect.quote(table)} (${columns.map(sqliteDialect.quote).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
  increment: (table, keyColumns, column) => {
    const q = sqliteDialect.quote;
    return (
      `INSERT INTO ${q(table)} (${[...keyColumns, column].map(q).join(', ')}) VALUES (${keyColumns.map(() => '?').join(', ')}, 1) ` +
      `ON CONFLICT (${keyColumns.map(q).join(', ')}) DO UPDATE SET ${q(column)} = ${q(column)} + 1`
    );
  },
  nowExpr: "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
};
