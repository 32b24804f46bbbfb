import type { Dialect } from './db-adapter.js';
import { assertIdentifier } from './identifiers.js';

const q = (identifier: string) => `\`${assertIdentifier(identifier, 'identifier')}\``;

/** MySQL 5.7+ / MariaDB 10.3+ SQL. `VALUES(col)` in upserts works on both (MySQL 8 warns, MariaDB needs it). */
export const mysqlDialect: Dialect = {
  name: 'mysql',
  quote: q,
  upsert(table, columns, keyColumns, rowCount) {
    const tuple = `(${columns.map(() => '?').join(', ')})`;
    const updates = columns.filter((c) => !keyColumns.includes(c)).map((c) => `${q(c)} = VALUES(${q(c)})`);
    const onDuplicate = updates.length > 0 ? updates.join(', ') : `${q(keyColumns[0]!)} = ${q(keyColumns[0]!)}`;
    return (
      `INSERT INTO ${q(table)} (${columns.map(q).join(', ')}) VALUES ${Array.from({ length: rowCount }, () => tuple).join(', ')} ` +
      `ON DUPLICATE KEY UPDATE ${onDuplicate}`
    );
  },
  insertIgnore: (table, columns) => `INSERT IGNORE INTO ${q(table)} (${columns.map(q).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
  increment: (table, keyColumns, column) =>
    `INSERT INTO ${q(table)} (${[...keyColumns, column].map(q).join(', ')}) VALUES (${keyColumns.map(() => '?').join(', ')}, 1) ` +
    `ON DUPLICATE KEY UPDATE ${q(column)} = ${q(column)} + 1`,
  nowExpr:
    "CONCAT(DATE_FORMAT(UTC_TIMESTAMP(3), '%Y-%m-%dT%H:%i:%s.'), LPAD(FLOOR(MICROSECOND(UTC_TIMESTAMP(3)) / 1000), 3, '0'), 'Z')",
};
