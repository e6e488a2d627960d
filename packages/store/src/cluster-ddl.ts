import { ChartwatchError } from '@chartwatch/errors';

/**
 * The cluster variant of the schema, derived from the single-node
 * migrations rather than kept as a second copy of them: every statement a
 * migration runs goes through `forCluster` when CLICKHOUSE_CLUSTER is set.
 *
 *   CREATE TABLE db.t (…) ENGINE = XMergeTree(args) …
 *     → db.t_local ON CLUSTER c, ENGINE = ReplicatedXMergeTree('/clickhouse/tables/{shard}/<db>/t_local', '{replica}', args)
 *       (non_replicated_deduplication_window → replicated_deduplication_window: dedup tokens hold across replicas)
 *     + db.t ON CLUSTER c AS db.t_local ENGINE = Distributed(c, <db>, t_local, <shard key>)
 *   CREATE MATERIALIZED VIEW db.v TO db.t AS … FROM db.s  → ON CLUSTER c, TO db.t_local, FROM db.s_local
 *   ALTER TABLE db.t …                                    → ALTER TABLE db.t_local ON CLUSTER c …
 *   DROP VIEW / DROP TABLE db.x                           → ON CLUSTER c (a table: its _local too)
 *   INSERT INTO db.t SELECT … FROM db.s                   → unchanged: through the Distributed tables
 *
 * Readers and writers keep using `db.t`, the Distributed table. The shard
 * key is cityHash64(event_id) for a table with an event_id column, so an
 * event, its patient_access rows (made by the view on the event's shard)
 * and a backfill of them land on one shard, where ReplacingMergeTree can
 * collapse a redelivery; other tables shard by the first column of their
 * ORDER BY (alert_id, version, key_id…), the identity they are replaced on.
 */

const CREATE_TABLE = /^\s*CREATE TABLE IF NOT EXISTS (`[A-Za-z0-9_]+`)\.`?([A-Za-z0-9_]+)`?\s*\(/;
const ENGINE = /ENGINE\s*=\s*(ReplacingMergeTree|SummingMergeTree|MergeTree)(\s*\(([^)]*)\))?/;
const CREATE_VIEW = /^\s*CREATE MATERIALIZED VIEW IF NOT EXISTS (`[A-Za-z0-9_]+`)\.`?([A-Za-z0-9_]+)`? TO (`[A-Za-z0-9_]+`)\.`?([A-Za-z0-9_]+)`? AS/;
const ALTER = /^\s*ALTER TABLE (`[A-Za-z0-9_]+`)\.`?([A-Za-z0-9_]+)`?\s+/;
const DROP = /^\s*DROP (VIEW|TABLE) IF EXISTS (`[A-Za-z0-9_]+`)\.`?([A-Za-z0-9_]+)`?\s*$/;
const INSERT_SELECT = /^\s*INSERT INTO /;

export interface ClusterTarget {
  /** Cluster name as in the servers' remote_servers. */
  cluster: string;
}

function quotedCluster(cluster: string): string {
  return `'${cluster}'`;
}

/** Matching close parenthesis of the one at `open`. */
function closing(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')' && --depth === 0) return i;
  }
  return -1;
}

function shardKey(columns: string, afterColumns: string): string {
  if (/^\s*event_id\s+String/m.test(columns)) return 'cityHash64(event_id)';
  const order = /ORDER BY\s*(\(\s*)?([A-Za-z0-9_]+)/.exec(afterColumns);
  return order === null ? 'rand()' : `cityHash64(${order[2]})`;
}

/** The statements that make `statement` happen on every node of the cluster. */
export function forCluster(statement: string, target: ClusterTarget): string[] {
  const on = `ON CLUSTER ${quotedCluster(target.cluster)}`;
  const table = CREATE_TABLE.exec(statement);
  if (table !== null) {
    const [, db, name] = table as unknown as [string, string, string];
    const open = statement.indexOf('(', table[0].length - 1);
    const close = closing(statement, open);
    const columns = statement.slice(open + 1, close);
    const after = statement.slice(close + 1);
    const engine = ENGINE.exec(after);
    if (engine === null) throw new ChartwatchError('CW_ERR_STORE', `no cluster form for the engine of ${db}.${name}: ${after.trim().slice(0, 80)}`);
    const [, kind, , args] = engine as unknown as [string, string, string | undefined, string | undefined];
    const path = `'/clickhouse/tables/{shard}/${db.slice(1, -1)}/${name}_local'`;
    const replicated = `ENGINE = Replicated${kind}(${[path, `'{replica}'`, ...(args !== undefined && args.trim() !== '' ? [args.trim()] : [])].join(', ')})`;
    const local = `CREATE TABLE IF NOT EXISTS ${db}.${name}_local ${on} (${columns})${after.replace(ENGINE, replicated).replace(/non_replicated_deduplication_window/g, 'replicated_deduplication_window')}`;
    const distributed = `CREATE TABLE IF NOT EXISTS ${db}.${name} ${on} AS ${db}.${name}_local ENGINE = Distributed(${quotedCluster(target.cluster)}, '${db.slice(1, -1)}', '${name}_local', ${shardKey(columns, after)})`;
    return [local, distributed];
  }
  const view = CREATE_VIEW.exec(statement);
  if (view !== null) {
    const [whole, db, name, toDb, toName] = view as unknown as [string, string, string, string, string];
    const body = statement.slice(whole.length).replace(/FROM (`[A-Za-z0-9_]+`)\.`?([A-Za-z0-9_]+)`?/g, 'FROM $1.$2_local');
    return [`CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.${name} ${on} TO ${toDb}.${toName}_local AS${body}`];
  }
  const alter = ALTER.exec(statement);
  if (alter !== null) {
    const [whole, db, name] = alter as unknown as [string, string, string];
    return [`ALTER TABLE ${db}.${name}_local ${on} ${statement.slice(whole.length)}`];
  }
  const drop = DROP.exec(statement);
  if (drop !== null) {
    const [, kind, db, name] = drop as unknown as [string, string, string, string];
    if (kind === 'VIEW') return [`DROP VIEW IF EXISTS ${db}.${name} ${on}`];
    return [`DROP TABLE IF EXISTS ${db}.${name} ${on}`, `DROP TABLE IF EXISTS ${db}.${name}_local ${on}`];
  }
  if (INSERT_SELECT.test(statement)) return [statement];
  throw new ChartwatchError('CW_ERR_STORE', `no cluster form for the statement: ${statement.trim().slice(0, 120)}`);
}

/** Statements as the configuration wants them: unchanged on one node, `forCluster` on a cluster. */
export function statementsFor(statements: readonly string[], cluster: string | undefined): string[] {
  return cluster === undefined ? [...statements] : statements.flatMap((s) => forCluster(s, { cluster }));
}
