// Dashboard "Migrations overview": running migrations and whom they block, history, durations, exporter health.
local g = import '../lib/grafana.libsonnet';
local common = import 'common.libsonnet';

{
  grafanaDashboards+:: {
    'migrations-overview.json':
      local c = $._config;
      local s = c.dashboardSelectors;
      g.dashboard(
        uid='migration-exporter-overview',
        title='Migrations overview',
        description='Schema migrations per database and tool: what runs now and whom it blocks, current versions, failures, rollbacks, durations and history (migration_exporter).',
        tags=c.dashboardTags + [
          'postgresql',
          'migrations',
        ],
        linkTag=c.dashboardTags[0],
        variables=common.variables(c) + [
          g.queryVariable('tool',
                          'Migration tool',
                          'label_values(migration_history_up{%(db)s}, tool)' % s,
                          'Migration tool whose history table is watched (tool label)'),
        ],
        annotations=common.annotations(c),
        panels=[
          g.row('Right now'),
          g.stat(
            'PostgreSQL reachable',
            'migration_exporter_database_up (pg_up under our own name, exported in companion mode too): whether the exporter could connect to and query every selected database at its last poll (down if any is unreachable).',
            'min(migration_exporter_database_up{%(db)s})' % s,
            thresholds=[['red', null], ['green', 1]],
            mappings=g.valueMap([['0', 'down', 'red'], ['1', 'up', 'green']]),
          ),
          g.stat(
            'Migrations running',
            "Number of migrations whose tool's lock is held right now (migration_in_progress), counted per history table (datname, tool, schema, table).",
            'sum(max by (%(database)s, tool, schema, table) (migration_in_progress{%(tool)s}))' % s,
            thresholds=[['green', null], ['orange', 1]],
          ),
          g.stat(
            'Sessions blocked by a migration',
            'Sessions whose pg_blocking_pids chain reaches a migrating backend (migration_blocked_sessions). Anything above 0 for long is an outage of the tables being migrated.',
            'sum(max by (%(database)s, tool, schema, table) (migration_blocked_sessions{%(tool)s}))' % s,
            thresholds=[['green', null], ['red', 1]],
          ),
          g.stat(
            'Longest wait behind a migration',
            'The longest current lock wait of a session blocked by a migration (migration_blocked_max_wait_seconds).',
            'max(migration_blocked_max_wait_seconds{%(tool)s})' % s,
            unit='s',
            thresholds=[['green', null], ['orange', 5], ['red', 10]],
          ),
          g.stat(
            'Failed migrations in history',
            "Rows marked as failed in the watched history tables (migration_failed). Tools that roll failures back record none; see the README's tool table.",
            'sum(max by (%(database)s, tool, schema, table) (migration_failed{%(tool)s}))' % s,
            thresholds=[['green', null], ['red', 1]],
          ),
          g.stat(
            'History tables unreadable',
            'History tables the exporter found but could not read at its last poll (migration_history_up == 0): privileges, timeouts or a changed layout.',
            'count(max by (%(database)s, tool, schema, table) (migration_history_up{%(tool)s}) == 0) or vector(0)' % s,
            thresholds=[['green', null], ['orange', 1]],
          ),
          g.row('Running now, and who it blocks'),
          g.timeseries(
            'Migration running time',
            "How long each running migration has held its tool's lock (migration_in_progress_seconds), per history table (schema.table; empty for tools whose lock names no table); 0 when none runs. Compare with the duration percentiles below.",
            [
              g.range('max by (%(database)s, tool, schema, table) (migration_in_progress_seconds{%(tool)s})' % s, '%(dbLegend)s {{tool}} {{schema}}.{{table}}' % s),
            ],
            unit='s',
            w=8,
          ),
          g.timeseries(
            'Sessions blocked by the migration',
            'Sessions waiting, directly or through a chain, on the backend that runs the migration (migration_blocked_sessions).',
            [
              g.range('max by (%(database)s, tool, schema, table) (migration_blocked_sessions{%(tool)s})' % s, '%(dbLegend)s {{tool}} {{schema}}.{{table}}' % s),
            ],
            w=8,
          ),
          g.timeseries(
            'Longest wait behind the migration',
            'The longest current lock wait among the sessions the migration blocks (migration_blocked_max_wait_seconds).',
            [
              g.range('max by (%(database)s, tool, schema, table) (migration_blocked_max_wait_seconds{%(tool)s})' % s, '%(dbLegend)s {{tool}} {{schema}}.{{table}}' % s),
            ],
            unit='s',
            w=8,
          ),
          g.timeseries(
            'Lock requests waiting, by mode and type',
            'Ungranted lock requests by requested mode and lock type (pg_locks_waiting): AccessShareLock waits on a relation behind an AccessExclusiveLock are the application queries queued behind DDL.',
            [
              g.range('max by (%(database)s, mode, locktype) (pg_locks_waiting{%(db)s})' % s, '%(dbLegend)s {{mode}} {{locktype}}' % s),
            ],
          ),
          g.timeseries(
            'Sessions by state',
            "Backends per state (pg_stat_activity_count): a migration incident shows as 'active' sessions piling up while throughput drops.",
            [
              g.range('max by (%(database)s, state) (pg_stat_activity_count{%(db)s})' % s, '%(dbLegend)s {{state}}' % s),
            ],
          ),
          g.timeseries(
            'Migration waiting for a lock',
            'How long the migrating session has itself been waiting for a lock that another session holds or queues for (migration_waiting_seconds); 0 while it works. A migration that waits here while sessions queue behind it is the classic incident: find the blocker in Locks & activity (oldest transaction, idle in transaction).',
            [
              g.range('max by (%(database)s, tool, schema, table) (migration_waiting_seconds{%(tool)s})' % s, '%(dbLegend)s {{tool}} {{schema}}.{{table}}' % s),
            ],
            unit='s',
          ),
          g.timeseries(
            'Stale migration locks',
            "Lock-table tools only (Liquibase, Knex, goose): 1 when the lock row is set but no live holder was found past stale_lock_after or the tool's lease (migration_lock_stale): a crashed deploy left it, and the next deploy will wait for it. Release it with the tool (liquibase release-locks, knex migrate:unlock).",
            [
              g.range('max by (%(database)s, tool, schema, table) (migration_lock_stale{%(tool)s})' % s, '%(dbLegend)s {{tool}} {{schema}}.{{table}}' % s),
            ],
            max=1,
          ),
          g.barGauge(
            'DDL progress',
            "Every operation PostgreSQL reports progress for in the selected databases right now (CREATE INDEX, REINDEX, CLUSTER, VACUUM FULL, VACUUM, ANALYZE, COPY; the ddl_progress collector): the estimated fraction done (pg_progress_ratio), with the command, relation, phase and, when the backend holds a migration tool's lock, the tool. Empty when nothing runs; pg_progress_seconds_remaining gives the time left.",
            [
              g.instant('max by (%(database)s, pid, command, phase, schemaname, relname, tool, schema, table) (pg_progress_ratio{%(tool)s})' % s, '%(dbLegend)s {{command}} {{schemaname}}.{{relname}} ({{phase}}) {{tool}}' % s),
            ],
            unit='percentunit',
            w=24,
          ) {
            fieldConfig+: { defaults+: { max: 1 } },
            options+: { orientation: 'horizontal', displayMode: 'gradient', namePlacement: 'top' },
          },
          g.row('Expected state: history against the shipped migration files'),
          g.stat(
            'Unresolved failed migrations',
            'Migrations whose latest history row is a failure that no later success, undo, repair or clean state resolved (migration_unresolved_failures): what MigrationFailed fires on.',
            'sum(max by (target, datname, tool, schema, table) (migration_unresolved_failures{%(tool)s}))' % s,
            thresholds=[['green', null], ['red', 1]],
          ),
          g.stat(
            'Pending migrations',
            'Migrations the paired migration files hold that the history does not show as applied (migration_pending): after a deploy, a migration that failed and rolled back leaving no row.',
            'sum(max by (target, datname, tool, schema, table) (migration_pending{%(tool)s}))' % s,
            thresholds=[['green', null], ['orange', 1]],
          ),
          g.stat(
            'Applied migrations edited since',
            'Applied migrations whose file checksum differs from the recorded one (migration_checksum_mismatch): the next validate step will refuse to migrate.',
            'sum(max by (target, datname, tool, schema, table) (migration_checksum_mismatch{%(tool)s}))' % s,
            thresholds=[['green', null], ['orange', 1]],
          ),
          g.stat(
            'Applied migrations without a file',
            'Applied migrations missing from the shipped files, plus applied versions newer than every file (migration_missing_source + migration_future).',
            'sum(max by (target, datname, tool, schema, table) (migration_missing_source{%(tool)s})) + sum(max by (target, datname, tool, schema, table) (migration_future{%(tool)s}))' % s,
            thresholds=[['green', null], ['orange', 1]],
          ),
          g.stat(
            'Migration sources unreadable',
            'Paired migration directories that could not be read completely at the last scan (migration_source_up == 0); the log names the reason.',
            'sum(1 - max by (target, datname, tool, schema, table) (migration_source_up{%(tool)s}))' % s,
            thresholds=[['green', null], ['orange', 1]],
          ),
          g.table(
            'Pending and drifted migrations',
            'The migrations behind the counts above, by state (migration_source_info, capped).',
            [
              g.instant('max by (datname, tool, schema, table, state, migration) (migration_source_info{%(tool)s})' % s, '__auto', 'table'),
            ],
            [
              {
                id: 'organize',
                options: {
                  excludeByName: { Time: true, Value: true },
                  renameByName: { datname: 'Database', tool: 'Tool', schema: 'Schema', table: 'Table', state: 'State', migration: 'Migration' },
                },
              },
            ],
          ),
          g.row('History per database and tool'),
          g.table(
            'Migration history tables',
            'One row per watched history table: current version (compared as dotted numbers), migrations applied, failed rows, time since the last migration was applied, and whether the table was readable at the last poll.',
            [
              g.instant('max by (%(database)s, tool, schema, table, version, description) (migration_current_version_info{%(tool)s})' % s, '__auto', 'table'),
              g.instant('max by (%(database)s, tool, schema, table) (migration_applied{%(tool)s})' % s, '__auto', 'table'),
              g.instant('max by (%(database)s, tool, schema, table) (migration_failed{%(tool)s})' % s, '__auto', 'table'),
              g.instant('time() - max by (%(database)s, tool, schema, table) (migration_last_applied_timestamp_seconds{%(tool)s})' % s, '__auto', 'table'),
              g.instant('max by (%(database)s, tool, schema, table) (migration_history_up{%(tool)s})' % s, '__auto', 'table'),
            ],
            [
              {
                id: 'merge',
                options: {},
              },
              g.organize(common.databaseColumns(c) + [['datname', 'Database'], ['tool', 'Tool'], ['schema', 'Schema'], ['table', 'Table'], ['version', 'Current version'], ['description', 'Description'], ['Value #B', 'Applied'], ['Value #C', 'Failed'], ['Value #D', 'Since last applied'], ['Value #E', 'Readable']], hide=common.hiddenColumns + ['Time', 'Value #A']),
            ],
            overrides=[
              g.columnUnit('Since last applied', 's'),
              g.columnThresholds('Failed', [['green', null], ['red', 1]]),
              g.columnMappings('Readable', g.valueMap([['0', 'down', 'red'], ['1', 'up', 'green']])),
            ],
          ),
          g.stateTimeline(
            'History timeline: current version',
            'Which version was current when, per history table (migration_current_version_info): a new bar starts each time a migration is applied or rolled back.',
            [
              g.range('max by (%(database)s, schema, table, version) (migration_current_version_info{%(tool)s})' % s, '%(dbLegend)s {{schema}}.{{table}} v{{version}}' % s),
            ],
            w=24,
          ),
          g.timeseries(
            'Migrations applied',
            'Applied migrations recorded in each history table (migration_applied); each step up is a deployment that migrated.',
            [
              g.range('max by (%(database)s, tool, schema, table) (migration_applied{%(tool)s})' % s, '%(dbLegend)s {{schema}}.{{table}}' % s),
            ],
            step=true,
          ),
          g.timeseries(
            'Failed migrations and rollbacks',
            'Failed rows (migration_failed) and rollbacks such as undo rows or reverts (migration_rollbacks) recorded in each history table.',
            [
              g.range('max by (%(database)s, tool, schema, table) (migration_failed{%(tool)s})' % s, 'failed {{datname}} {{schema}}.{{table}}'),
              g.range('max by (%(database)s, tool, schema, table) (migration_rollbacks{%(tool)s})' % s, 'rollbacks {{datname}} {{schema}}.{{table}}'),
            ],
            step=true,
          ),
          g.row('Durations'),
          g.barGauge(
            'Duration distribution',
            'How many recorded migrations fall into each duration bucket (migration_duration_seconds histogram over the whole history of the selected tables; bucket upper bounds in seconds).',
            [
              g.instant('sum by (le) (max by (%(database)s, tool, schema, table, le) (migration_duration_seconds_bucket{%(tool)s}))' % s, '{{le}}', 'heatmap'),
            ],
          ),
          g.timeseries(
            'Duration percentiles',
            'p50 and p95 of the recorded migration durations per database and tool, from the duration histogram. MigrationRunningTooLong compares the running time with 3 x p95.',
            [
              g.range('histogram_quantile(0.5, sum by (%(database)s, tool, le) (max by (%(database)s, tool, schema, table, le) (migration_duration_seconds_bucket{%(tool)s})))' % s, 'p50 {{datname}} {{tool}}'),
              g.range('histogram_quantile(0.95, sum by (%(database)s, tool, le) (max by (%(database)s, tool, schema, table, le) (migration_duration_seconds_bucket{%(tool)s})))' % s, 'p95 {{datname}} {{tool}}'),
            ],
            unit='s',
          ),
          g.timeseries(
            "Last migration's duration",
            'Recorded execution time of the most recent migration in each history table (migration_last_duration_seconds).',
            [
              g.range('max by (%(database)s, tool, schema, table) (migration_last_duration_seconds{%(tool)s})' % s, '%(dbLegend)s {{schema}}.{{table}}' % s),
            ],
            unit='s',
            step=true,
          ),
          g.timeseries(
            'Time since the last migration',
            'Time since the last migration was applied (migration_last_applied_timestamp_seconds) and since the last failure (migration_last_failure_timestamp_seconds), per history table.',
            [
              g.range('time() - max by (%(database)s, tool, schema, table) (migration_last_applied_timestamp_seconds{%(tool)s})' % s, 'applied {{datname}} {{schema}}.{{table}}'),
              g.range('time() - max by (%(database)s, tool, schema, table) (migration_last_failure_timestamp_seconds{%(tool)s})' % s, 'failed {{datname}} {{schema}}.{{table}}'),
            ],
            unit='s',
          ),
          g.table(
            'Recent migrations',
            "The most recent rows of each history table (migration_info; how many is set in the exporter's configuration): version, description, type, script, who installed it and whether it succeeded.",
            [
              g.instant('max by (%(database)s, tool, schema, table, version, description, type, script, installed_by, success) (migration_info{%(tool)s})' % s, '__auto', 'table'),
            ],
            [
              g.organize(common.databaseColumns(c) + [['datname', 'Database'], ['tool', 'Tool'], ['schema', 'Schema'], ['table', 'Table'], ['version', 'Version'], ['description', 'Description'], ['type', 'Type'], ['script', 'Script'], ['installed_by', 'Installed by'], ['success', 'Success']], hide=common.hiddenColumns + ['Time', 'Value']),
            ],
            overrides=[
              g.columnMappings('Success', g.valueMap([['false', 'failed', 'red'], ['true', 'ok', 'green']])),
            ],
            h=10,
          ),
          g.row('Exporter'),
          g.timeseries(
            'Time since the last poll',
            'Age of the snapshot the exporter serves for each database (time() - migration_exporter_last_poll_timestamp_seconds). MigrationExporterSnapshotStale fires above 5 minutes.',
            [
              g.range('max by (%(database)s) (time() - migration_exporter_last_poll_timestamp_seconds{%(db)s})' % s, s.dbLegend),
            ],
            unit='s',
            w=8,
          ),
          g.timeseries(
            'Collector duration',
            'Time each collector took at its last run (migration_exporter_collector_duration_seconds): one SQL round trip each.',
            [
              g.range('max by (%(database)s, collector) (migration_exporter_collector_duration_seconds{%(db)s})' % s, '%(dbLegend)s {{collector}}' % s),
            ],
            unit='s',
            w=8,
          ),
          g.stateTimeline(
            'Collector success',
            "Whether each collector's last run succeeded (migration_exporter_collector_success); the exporter's log names the error of a failing one.",
            [
              g.range('min by (%(database)s, collector) (migration_exporter_collector_success{%(db)s})' % s, '%(dbLegend)s {{collector}}' % s),
            ],
            mappings=g.valueMap([['0', 'failing', 'red'], ['1', 'ok', 'green']]),
            thresholds=[['red', null], ['green', 1]],
            w=8,
          ),
        ],
      ),
  },
}
