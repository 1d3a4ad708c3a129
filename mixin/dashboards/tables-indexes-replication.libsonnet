// Dashboard "Tables, indexes & replication": sizes, usage and vacuum of tables and indexes; slots and replicas.
local g = import '../lib/grafana.libsonnet';
local common = import 'common.libsonnet';

{
  grafanaDashboards+:: {
    'tables-indexes-replication.json':
      local c = $._config;
      local s = c.dashboardSelectors;
      g.dashboard(
        uid='migration-exporter-tables',
        title='Tables, indexes & replication',
        description='Table and index sizes and usage, vacuum, and replication slots (CDC) of the databases migration_exporter watches.',
        tags=c.dashboardTags + [
          'postgresql',
          'tables',
        ],
        linkTag=c.dashboardTags[0],
        variables=common.variables(c),
        annotations=common.annotations(c),
        panels=[
          g.row('Tables'),
          g.table(
            'Largest tables',
            'The 20 largest tables with their index size, live and dead rows (pg_stat_user_tables_*, as in postgres_exporter). Tables locked by DDL at poll time are skipped for that poll rather than waited for.',
            [
              g.instant('topk(20, max by (%(database)s, schemaname, relname) (pg_stat_user_tables_table_size_bytes{%(db)s}))' % s, '__auto', 'table'),
              g.instant('max by (%(database)s, schemaname, relname) (pg_stat_user_tables_index_size_bytes{%(db)s})' % s, '__auto', 'table'),
              g.instant('max by (%(database)s, schemaname, relname) (pg_stat_user_tables_n_live_tup{%(db)s})' % s, '__auto', 'table'),
              g.instant('max by (%(database)s, schemaname, relname) (pg_stat_user_tables_n_dead_tup{%(db)s})' % s, '__auto', 'table'),
            ],
            [
              {
                id: 'merge',
                options: {},
              },
              {
                id: 'filterByValue',
                options: {
                  type: 'exclude',
                  match: 'any',
                  filters: [
                    {
                      fieldName: 'Value #A',
                      config: {
                        id: 'isNull',
                        options: {},
                      },
                    },
                  ],
                },
              },
              g.organize(common.databaseColumns(c) + [['datname', 'Database'], ['schemaname', 'Schema'], ['relname', 'Table'], ['Value #A', 'Table size'], ['Value #B', 'Index size'], ['Value #C', 'Live rows'], ['Value #D', 'Dead rows']], hide=common.hiddenColumns + ['Time']),
            ],
            overrides=[
              g.columnUnit('Live rows', 'short'),
              g.columnUnit('Dead rows', 'short'),
            ],
            unit='bytes',
            sortDescBy='Table size',
            h=9,
          ),
          g.timeseries(
            'Table size (10 largest)',
            'Heap size of the 10 largest tables (pg_stat_user_tables_table_size_bytes): a migration that rewrites a table shows as a second copy growing.',
            [
              g.range('topk(10, max by (%(database)s, schemaname, relname) (pg_stat_user_tables_table_size_bytes{%(db)s}))' % s, '%(dbLegend)s {{schemaname}}.{{relname}}' % s),
            ],
            unit='bytes',
          ),
          g.timeseries(
            'Index size (10 largest)',
            'Total index size of the 10 tables with the largest indexes (pg_stat_user_tables_index_size_bytes).',
            [
              g.range('topk(10, max by (%(database)s, schemaname, relname) (pg_stat_user_tables_index_size_bytes{%(db)s}))' % s, '%(dbLegend)s {{schemaname}}.{{relname}}' % s),
            ],
            unit='bytes',
          ),
          g.timeseries(
            'Sequential scans (10 busiest)',
            'Sequential scans per second (rate of pg_stat_user_tables_seq_scan): a migration that dropped an index shows here.',
            [
              g.range('topk(10, max by (%(database)s, schemaname, relname) (rate(pg_stat_user_tables_seq_scan{%(db)s}[$__rate_interval])))' % s, '%(dbLegend)s {{schemaname}}.{{relname}}' % s),
            ],
            unit='ops',
          ),
          g.timeseries(
            'Rows written',
            'Rows inserted, updated and deleted per second per database (rates of pg_stat_user_tables_n_tup_ins/upd/del).',
            [
              g.range('sum by (%(database)s) (max by (%(database)s, schemaname, relname) (rate(pg_stat_user_tables_n_tup_ins{%(db)s}[$__rate_interval])))' % s, 'inserted {{datname}}'),
              g.range('sum by (%(database)s) (max by (%(database)s, schemaname, relname) (rate(pg_stat_user_tables_n_tup_upd{%(db)s}[$__rate_interval])))' % s, 'updated {{datname}}'),
              g.range('sum by (%(database)s) (max by (%(database)s, schemaname, relname) (rate(pg_stat_user_tables_n_tup_del{%(db)s}[$__rate_interval])))' % s, 'deleted {{datname}}'),
            ],
            unit='ops',
          ),
          g.timeseries(
            'Dead rows (10 most)',
            'Dead tuples waiting for vacuum (pg_stat_user_tables_n_dead_tup); they pile up behind long transactions.',
            [
              g.range('topk(10, max by (%(database)s, schemaname, relname) (pg_stat_user_tables_n_dead_tup{%(db)s}))' % s, '%(dbLegend)s {{schemaname}}.{{relname}}' % s),
            ],
            unit='short',
          ),
          g.table(
            'Time since vacuum and analyze',
            'Time since each table was last vacuumed and analysed, manually or by autovacuum (pg_stat_user_tables_last_*); tables never vacuumed are not listed.',
            [
              g.instant('time() - max by (%(database)s, schemaname, relname) ({__name__=~"pg_stat_user_tables_last_(auto)?vacuum",%(db)s} > 0)' % s, '__auto', 'table'),
              g.instant('time() - max by (%(database)s, schemaname, relname) ({__name__=~"pg_stat_user_tables_last_(auto)?analyze",%(db)s} > 0)' % s, '__auto', 'table'),
            ],
            [
              {
                id: 'merge',
                options: {},
              },
              g.organize(common.databaseColumns(c) + [['datname', 'Database'], ['schemaname', 'Schema'], ['relname', 'Table'], ['Value #A', 'Since vacuum'], ['Value #B', 'Since analyze']], hide=common.hiddenColumns + ['Time']),
            ],
            unit='s',
            sortDescBy='Since vacuum',
            w=12,
          ),
          g.row('Indexes'),
          g.timeseries(
            'Index scans (10 busiest)',
            'Index scans per second (rate of pg_stat_user_indexes_idx_scans_total) for the 10 busiest indexes.',
            [
              g.range('topk(10, max by (%(database)s, schemaname, relname, indexrelname) (rate(pg_stat_user_indexes_idx_scans_total{%(db)s}[$__rate_interval])))' % s, '%(dbLegend)s {{schemaname}}.{{indexrelname}}' % s),
            ],
            unit='ops',
          ),
          g.table(
            'Indexes never scanned',
            'Indexes with no scan since statistics were last reset (pg_stat_user_indexes_idx_scans_total == 0) and their size (pg_stat_user_indexes_size_bytes): write cost without read benefit, or an index a migration just built. Unique indexes and primary keys enforce constraints even when never scanned; pg_stat_user_indexes_never_scanned counts only the non-unique ones per table.',
            [
              g.instant('max by (%(database)s, schemaname, relname, indexrelname) (pg_stat_user_indexes_size_bytes{%(db)s}) and on (datname, schemaname, relname, indexrelname) (max by (%(database)s, schemaname, relname, indexrelname) (pg_stat_user_indexes_idx_scans_total{%(db)s}) == 0)' % s, '__auto', 'table'),
            ],
            [
              g.organize(common.databaseColumns(c) + [['datname', 'Database'], ['schemaname', 'Schema'], ['relname', 'Table'], ['indexrelname', 'Index'], ['Value', 'Size']], hide=common.hiddenColumns + ['Time']),
            ],
            unit='bytes',
            sortDescBy='Size',
            w=12,
          ),
          g.row('Replication slots (CDC)'),
          g.table(
            'Replication slots',
            'Every replication slot of the server: its type and output plugin (pg_replication_slots_info), whether a consumer is connected (pg_replication_slots_active), how far the consumer is behind (pg_replication_slots_lag_bytes: to confirmed_flush_lsn for logical slots, restart_lsn for physical ones) and how much WAL the slot makes the server keep (pg_replication_slots_pg_wal_lsn_diff). Logical slots are what Debezium and other CDC readers use.',
            [
              g.instant('max by (%(database)s, slot_name, database, slot_type, plugin) (pg_replication_slots_active{%(db)s} * on (instance, target, datname, slot_name) group_left (slot_type, plugin) pg_replication_slots_info{%(db)s})' % s, '__auto', 'table'),
              g.instant('max by (%(database)s, slot_name, database, slot_type, plugin) (pg_replication_slots_lag_bytes{%(db)s} * on (instance, target, datname, slot_name) group_left (slot_type, plugin) pg_replication_slots_info{%(db)s})' % s, '__auto', 'table'),
              g.instant('max by (%(database)s, slot_name, database, slot_type, plugin) (pg_replication_slots_pg_wal_lsn_diff{%(db)s} * on (instance, target, datname, slot_name) group_left (slot_type, plugin) pg_replication_slots_info{%(db)s})' % s, '__auto', 'table'),
            ],
            [
              {
                id: 'merge',
                options: {},
              },
              g.organize(common.databaseColumns(c) + [['datname', 'Exporter database'], ['slot_name', 'Slot'], ['database', 'Slot database'], ['slot_type', 'Type'], ['plugin', 'Plugin'], ['Value #A', 'Consumer'], ['Value #B', 'Lag'], ['Value #C', 'WAL retained']], hide=common.hiddenColumns + ['Time']),
            ],
            overrides=[
              g.columnMappings('Consumer', g.valueMap([['0', 'no consumer', 'red'], ['1', 'consumer connected', 'green']])),
              g.columnUnit('Lag', 'bytes'),
              g.columnUnit('WAL retained', 'bytes'),
            ],
          ),
          g.timeseries(
            'Slot lag',
            "Bytes each slot's consumer is behind (pg_replication_slots_lag_bytes) and WAL the slot makes the server keep (pg_replication_slots_pg_wal_lsn_diff). A stalled CDC reader: the lag climbs steadily while its slot has no consumer.",
            [
              g.range('max by (%(database)s, slot_name) (pg_replication_slots_lag_bytes{%(db)s})' % s, '{{slot_name}} behind'),
              g.range('max by (%(database)s, slot_name) (pg_replication_slots_pg_wal_lsn_diff{%(db)s})' % s, '{{slot_name}} retained'),
            ],
            unit='bytes',
          ),
          g.stateTimeline(
            'Slot consumer connected',
            'Whether a consumer was connected to each slot (pg_replication_slots_active). MigrationExporterPostgreSQLReplicationSlotInactive fires after 5 minutes without one.',
            [
              g.range('max by (%(database)s, slot_name) (pg_replication_slots_active{%(db)s})' % s, '%(dbLegend)s {{slot_name}}' % s),
            ],
            mappings=g.valueMap([['0', 'no consumer', 'red'], ['1', 'consumer connected', 'green']]),
            thresholds=[['red', null], ['green', 1]],
          ),
          g.row('Replicas and WAL receivers'),
          g.timeseries(
            'Replica lag (bytes)',
            "Bytes between this server's WAL position and each replica's sent, write, flush and replay positions (pg_stat_replication_lag_bytes{position}); replay is absent for receivers that do not replay, such as pg_receivewal.",
            [
              g.range('max by (%(database)s, application_name, client_addr, slot_name, position) (pg_stat_replication_lag_bytes{%(db)s})' % s, '{{application_name}} {{client_addr}} {{position}}'),
            ],
            unit='bytes',
          ),
          g.timeseries(
            'Replica lag (time)',
            "PostgreSQL's measured write, flush and replay lag of each replica (pg_stat_replication_lag_seconds{position}); 0 when the replica has caught up with an idle server.",
            [
              g.range('max by (%(database)s, application_name, client_addr, slot_name, position) (pg_stat_replication_lag_seconds{%(db)s})' % s, '{{application_name}} {{client_addr}} {{position}}'),
            ],
            unit='s',
          ),
        ],
      ),
  },
}
