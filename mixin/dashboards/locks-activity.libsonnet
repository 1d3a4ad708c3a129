// Dashboard "Locks & activity": lock queues, blocked sessions, long and idle transactions.
local g = import '../lib/grafana.libsonnet';
local common = import 'common.libsonnet';

{
  grafanaDashboards+:: {
    'locks-activity.json':
      local c = $._config;
      local s = c.dashboardSelectors;
      g.dashboard(
        uid='migration-exporter-locks-activity',
        title='Locks & activity',
        description='Lock queues, blocked sessions, long and idle transactions: the sessions that make migrations wait and wait for migrations (migration_exporter).',
        tags=c.dashboardTags + [
          'postgresql',
          'locks',
        ],
        linkTag=c.dashboardTags[0],
        variables=common.variables(c),
        annotations=common.annotations(c),
        panels=[
          g.row('Right now'),
          g.stat(
            'Blocked sessions',
            'Sessions waiting for a lock held by another session (pg_blocked_sessions), whatever the cause.',
            'sum(max by (%(database)s) (pg_blocked_sessions{%(db)s}))' % s,
            thresholds=[['green', null], ['orange', 1], ['red', 10]],
          ),
          g.stat(
            'Longest lock wait',
            'The longest current lock wait (pg_lock_wait_max_seconds, from pg_locks.waitstart; PostgreSQL 14 and later).',
            'max(pg_lock_wait_max_seconds{%(db)s})' % s,
            unit='s',
            thresholds=[['green', null], ['orange', 10], ['red', 60]],
          ),
          g.stat(
            'Oldest transaction',
            'Age of the oldest open transaction in any state (pg_stat_activity_max_tx_duration): it holds its locks and the xmin horizon.',
            'max(pg_stat_activity_max_tx_duration{%(db)s})' % s,
            unit='s',
            thresholds=[['green', null], ['orange', 300], ['red', 900]],
          ),
          g.stat(
            'Long-running transactions',
            "Transactions older than the exporter's long-transaction threshold (pg_long_running_transactions).",
            'sum(max by (%(database)s) (pg_long_running_transactions{%(db)s}))' % s,
            thresholds=[['green', null], ['orange', 1]],
          ),
          g.stat(
            'Idle in transaction',
            'Sessions idle inside an open transaction (pg_idle_in_transaction_sessions): they keep their locks and block migrations.',
            'sum(max by (%(database)s) (pg_idle_in_transaction_sessions{%(db)s}))' % s,
            thresholds=[['green', null], ['orange', 1]],
          ),
          g.stat(
            'Migrations running',
            'Migration locks held right now (migration_in_progress): tells a lock queue caused by a migration from one that is not.',
            'sum(max by (%(database)s, tool, schema, table) (migration_in_progress{%(db)s}))' % s,
            thresholds=[['green', null], ['orange', 1]],
          ),
          g.row('Locks'),
          g.timeseries(
            'Locks held and requested, by mode',
            'Lock entries per mode (pg_locks_count, as in postgres_exporter), granted or not.',
            [
              g.range('max by (%(database)s, mode) (pg_locks_count{%(db)s})' % s, '%(dbLegend)s {{mode}}' % s),
            ],
          ),
          g.timeseries(
            'Lock requests waiting, by mode and type',
            'Ungranted lock requests by requested mode and lock type (pg_locks_waiting). relation waits point at DDL, transactionid waits at row locks held by open transactions.',
            [
              g.range('max by (%(database)s, mode, locktype) (pg_locks_waiting{%(db)s})' % s, '%(dbLegend)s {{mode}} {{locktype}}' % s),
            ],
          ),
          g.timeseries(
            'Blocked sessions',
            'Sessions waiting for a lock (pg_blocked_sessions), next to the number of them blocked by a migration (migration_blocked_sessions).',
            [
              g.range('max by (%(database)s) (pg_blocked_sessions{%(db)s})' % s, 'all {{datname}}'),
              g.range('sum by (%(database)s) (max by (%(database)s, tool, schema, table) (migration_blocked_sessions{%(db)s}))' % s, 'by a migration {{datname}}'),
            ],
          ),
          g.timeseries(
            'Longest lock wait',
            'The longest current lock wait per database (pg_lock_wait_max_seconds).',
            [
              g.range('max by (%(database)s) (pg_lock_wait_max_seconds{%(db)s})' % s, s.dbLegend),
            ],
            unit='s',
          ),
          g.timeseries(
            'Blocking chain depth',
            'The longest chain of lock waits (pg_lock_blocking_chain_max_depth): 1 = sessions wait for a session that is not waiting itself; 2 or more = they wait for a session that is itself waiting (readers behind an ALTER TABLE behind a long transaction), the signature of a migration stuck in the lock queue. 0 when nothing waits.',
            [
              g.range('max by (%(database)s) (pg_lock_blocking_chain_max_depth{%(db)s})' % s, s.dbLegend),
            ],
          ),
          g.timeseries(
            'Sessions waiting, by wait event type',
            'Active client sessions that are waiting, by pg_stat_activity.wait_event_type (pg_sessions_waiting): Lock = heavyweight locks (DDL, row locks), LWLock/IO = contention inside the server, Client = waiting for the application. A rise of Lock during a deploy points at the migration.',
            [
              g.range('max by (%(database)s, wait_event_type) (pg_sessions_waiting{%(db)s})' % s, '%(dbLegend)s {{wait_event_type}}' % s),
            ],
          ),
          g.row('Sessions and transactions'),
          g.timeseries(
            'Sessions by state',
            "Backends per database and state (pg_stat_activity_count, as in postgres_exporter); the exporter's own session is not counted.",
            [
              g.range('max by (%(database)s, state) (pg_stat_activity_count{%(db)s})' % s, '%(dbLegend)s {{state}}' % s),
            ],
          ),
          g.timeseries(
            'Oldest transaction by state',
            'Age of the oldest transaction per state (pg_stat_activity_max_tx_duration, as in postgres_exporter).',
            [
              g.range('max by (%(database)s, state) (pg_stat_activity_max_tx_duration{%(db)s})' % s, '%(dbLegend)s {{state}}' % s),
            ],
            unit='s',
          ),
          g.timeseries(
            'Long-running transactions',
            "Transactions older than the exporter's configured threshold (pg_long_running_transactions).",
            [
              g.range('max by (%(database)s) (pg_long_running_transactions{%(db)s})' % s, s.dbLegend),
            ],
            w=8,
          ),
          g.timeseries(
            'Sessions idle in transaction',
            "Sessions in state 'idle in transaction' or 'idle in transaction (aborted)' (pg_idle_in_transaction_sessions).",
            [
              g.range('max by (%(database)s) (pg_idle_in_transaction_sessions{%(db)s})' % s, s.dbLegend),
            ],
            w=8,
          ),
          g.timeseries(
            'Oldest idle in transaction',
            'How long the oldest idle-in-transaction session has been idle (pg_idle_in_transaction_max_age_seconds). MigrationExporterPostgreSQLIdleInTransaction fires above 5 minutes.',
            [
              g.range('max by (%(database)s) (pg_idle_in_transaction_max_age_seconds{%(db)s})' % s, s.dbLegend),
            ],
            unit='s',
            w=8,
          ),
          g.timeseries(
            'Oldest long-running transaction',
            "Age of the oldest client transaction open longer than the exporter's long_transaction_threshold (pg_long_running_transactions_max_age_seconds; autovacuum, parallel workers and the exporter left out); 0 when none is. It holds its locks until it ends: the next migration's ACCESS EXCLUSIVE lock queues behind it.",
            [
              g.range('max by (%(database)s) (pg_long_running_transactions_max_age_seconds{%(db)s})' % s, s.dbLegend),
            ],
            unit='s',
            w=24,
          ),
        ],
      ),
  },
}
