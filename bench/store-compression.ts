/**
 * Disk per stored event, per table, of a chartwatch store (e.g. one that
 * `chartwatch load` filled): merges access_events to one part per partition
 * first (OPTIMIZE … FINAL), then reads active parts from system.parts.
 *
 *   pnpm exec tsx bench/store-compression.ts DATA_DIR [DATABASE]
 *
 * Embedded chDB only (one process per data directory: stop whatever uses it).
 */
import { openStore } from '../packages/store/src/index.ts';

const [dataDir, database = 'chartwatch'] = process.argv.slice(2);
if (dataDir === undefined) throw new Error('usage: tsx bench/store-compression.ts DATA_DIR [DATABASE]');
const store = await openStore({ database, dataDir });
try {
  await store.client.command({ query: `OPTIMIZE TABLE \`${database}\`.access_events FINAL` });
  const events = await store.countEvents();
  const rs = await store.client.query({
    query: `SELECT table, sum(rows) AS rows, sum(data_compressed_bytes) AS compressed, sum(data_uncompressed_bytes) AS uncompressed, sum(bytes_on_disk) AS on_disk
      FROM system.parts WHERE database = {db:String} AND active GROUP BY table HAVING rows > 100 ORDER BY on_disk DESC`,
    query_params: { db: database },
    format: 'JSONEachRow',
  });
  const tables = (await rs.json<{ table: string; rows: string; compressed: string; uncompressed: string; on_disk: string }>()).map((t) => ({
    table: t.table,
    rows: Number(t.rows),
    bytesOnDiskPerEvent: Math.round((Number(t.on_disk) / events) * 10) / 10,
    compressionRatio: Math.round((Number(t.uncompressed) / Number(t.compressed)) * 10) / 10,
  }));
  for (const t of tables) console.log(`${t.table.padEnd(28)} ${String(t.rows).padStart(10)} rows  ${t.bytesOnDiskPerEvent} bytes on disk per stored event  (${t.compressionRatio}× compression)`);
  const total = Math.round(tables.reduce((n, t) => n + t.bytesOnDiskPerEvent, 0) * 10) / 10;
  console.log(`all tables: ${total} bytes per event = ${Math.round(total)} GB per billion events (one replica)`);
  console.log(JSON.stringify({ bench: 'store-compression', events, tables, bytesPerEvent: total }));
} finally {
  await store.close();
}
