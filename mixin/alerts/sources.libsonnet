// Alerts on the expected state: the history tables compared with the migration files the
// application ships (the history collector's `sources` option): pending, edited and missing
// migrations, unreadable sources.
local a = import '../lib/alerts.libsonnet';

{
  prometheusAlerts+:: {
    local c = $._config,
    local v = a.values(c),
    groups+: [{
      name: 'migration_exporter.sources',
      rules: [
        // Longer than a deployment takes: a migration the application ships that the database
        // still has not applied. This is what catches the failed transactional migration that left
        // no history row (16 of 21 tools record no failure), for every tool.
        a.rule(
          c,
          'MigrationPending',
          'warning',
          'migration_pending{%(sel)s} > 0' % v,
          '{{ $value }} migration(s) pending on {{ $labels.datname }} for %s ({{ $labels.tool }} {{ $labels.schema }}.{{ $labels.table }})' % a.humanDuration(c.forDurations.MigrationPending),
          |||
            The migration files paired with the {{ $labels.tool }} history table {{ $labels.schema }}.{{ $labels.table }}
            in database {{ $labels.datname }}{{ with $labels.target }} (target {{ . }}){{ end }} hold {{ $value }}
            migration(s) the history does not show as applied, for %s: the deployment's migrate
            step failed (and rolled back), was skipped, or runs elsewhere. migration_source_info{state="pending"}
            names them. Exporter instance {{ $labels.instance }}.
          ||| % a.humanDuration(c.forDurations.MigrationPending),
        ),

        // An applied migration's file was edited afterwards: the tool's next validate (Flyway's
        // validateOnMigrate, Prisma's drift check) refuses to migrate.
        a.rule(
          c,
          'MigrationChecksumMismatch',
          'warning',
          'migration_checksum_mismatch{%(sel)s} > 0' % v,
          '{{ $value }} applied migration(s) edited since they ran on {{ $labels.datname }} ({{ $labels.tool }} {{ $labels.schema }}.{{ $labels.table }})',
          |||
            {{ $value }} migration(s) recorded in the {{ $labels.tool }} history table {{ $labels.schema }}.{{ $labels.table }}
            of database {{ $labels.datname }}{{ with $labels.target }} (target {{ . }}){{ end }} have a file whose
            checksum differs from the recorded one. The next deployment's validation will fail.
            migration_source_info{state="checksum_mismatch"} names them. Exporter instance {{ $labels.instance }}.
          |||,
        ),

        // Applied migrations that the shipped files no longer contain: a rolled-back application
        // running against a newer schema, or a deleted/renamed migration file.
        a.rule(
          c,
          'MigrationSourceMissing',
          'warning',
          'migration_missing_source{%(sel)s} > 0' % v,
          '{{ $value }} applied migration(s) on {{ $labels.datname }} have no file in the sources ({{ $labels.tool }} {{ $labels.schema }}.{{ $labels.table }})',
          |||
            {{ $value }} migration(s) applied according to the {{ $labels.tool }} history table
            {{ $labels.schema }}.{{ $labels.table }} of database {{ $labels.datname }}{{ with $labels.target }} (target {{ . }}){{ end }}
            are not among the migration files the application ships. migration_source_info{state="missing_source"}
            names them. Exporter instance {{ $labels.instance }}.
          |||,
        ),

        // Without the files, pending, drift and missing migrations are invisible for this table.
        a.rule(
          c,
          'MigrationSourceUnreadable',
          'warning',
          'migration_source_up{%(sel)s} == 0' % v,
          'migration_exporter cannot read the migration files paired with {{ $labels.tool }} {{ $labels.schema }}.{{ $labels.table }} on {{ $labels.datname }}',
          |||
            The migration sources paired with the {{ $labels.tool }} history table {{ $labels.schema }}.{{ $labels.table }}
            of database {{ $labels.datname }}{{ with $labels.target }} (target {{ . }}){{ end }} could not be read
            completely for %s, so pending and edited migrations there go unseen. The exporter's
            log names the reason. Exporter instance {{ $labels.instance }}.
          ||| % a.humanDuration(c.forDurations.MigrationSourceUnreadable),
        ),
      ],
    }],
  },
}
