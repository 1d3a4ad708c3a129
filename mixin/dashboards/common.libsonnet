// What every dashboard shares: the fleet variables (datasource, job, cluster, instance, target,
// database) and the migration-event annotations.
local g = import '../lib/grafana.libsonnet';

{
  // The variables in the order they narrow: exporters (job, cluster, instance), then databases.
  variables(c)::
    local s = c.dashboardSelectors;
    [
      g.datasourceVariable('Prometheus server that scrapes migration_exporter'),
      g.queryVariable('job',
                      'Job',
                      'label_values(migration_exporter_build_info, job)',
                      'Prometheus job that scrapes migration_exporter'),
      g.queryVariable('cluster',
                      'Cluster',
                      'label_values(migration_exporter_build_info{job=~"$job"}, %s)' % c.clusterLabel,
                      'Cluster (the `%s` label; All also matches series without it)' % c.clusterLabel),
      g.queryVariable('instance',
                      'Instance',
                      'label_values(migration_exporter_build_info{job=~"$job",%s=~"$cluster"}, instance)' % c.clusterLabel,
                      'Exporter instance (one per sidecar)'),
      g.queryVariable('target',
                      'Target',
                      'label_values(migration_exporter_database_up{%(exporter)s}, target)' % s,
                      'Exporter target (the `target` label exists only when one exporter watches several databases; All also matches series without it)'),
      g.queryVariable('datname',
                      'Database',
                      'label_values(migration_exporter_database_up{%(target)s}, datname)' % s,
                      'PostgreSQL database (datname label)'),
    ],

  // Table columns that name a database across the fleet, before its datname; job only repeats the
  // variable, so tables hide it.
  databaseColumns(c):: [[c.clusterLabel, 'Cluster'], ['target', 'Target']],
  hiddenColumns:: ['job'],

  // Migration events from the history families: a history table's count of applied, failed or
  // rolled-back rows rose within the last minute. The counts are numbers of rows, not process
  // counters, so a rise is exactly a new row (and a cleanup, which lowers them, marks nothing).
  annotations(c)::
    local s = c.dashboardSelectors;
    local rise(family) =
      local series(offset) = 'max by (%(database)s, tool, schema, table) (%(family)s{%(db)s}%(offset)s)'
                             % (s { family: family, offset: offset });
      '%s - %s > 0' % [series(''), series(' offset 1m')];
    local text = '{{tool}} {{schema}}.{{table}} on %(dbLegend)s' % s;
    local tags = '%s,datname,tool' % c.clusterLabel;
    [
      g.prometheusAnnotation('Migrations applied',
                             'green',
                             rise('migration_applied'),
                             'Migration applied',
                             text,
                             tags),
      g.prometheusAnnotation('Migrations failed',
                             'red',
                             rise('migration_failed'),
                             'Migration failed',
                             text,
                             tags),
      g.prometheusAnnotation('Migrations rolled back',
                             'orange',
                             rise('migration_rollbacks'),
                             'Migration rolled back',
                             text,
                             tags),
    ],
}
