// Alerts on the exporter and its databases being reachable, scraped, polling and fresh.
local a = import '../lib/alerts.libsonnet';

{
  prometheusAlerts+:: {
    local c = $._config,
    local v = a.values(c),
    groups+: [{
      name: 'migration_exporter.availability',
      rules: [
        // Alertmanager inhibits the database's other alerts behind this one (deploy/alertmanager).
        a.rule(
          c,
          'MigrationExporterPostgreSQLDown',
          'critical',
          'migration_exporter_database_up{%(sel)s} == 0' % v,
          'PostgreSQL database {{ $labels.datname }} is unreachable',
          |||
            migration_exporter instance {{ $labels.instance }} has not been able to connect to database
            {{ $labels.datname }}{{ with $labels.target }} (target {{ . }}){{ end }} for %s. Other
            alerts for this database are inhibited while this one fires.
          ||| % a.humanDuration(c.forDurations.MigrationExporterPostgreSQLDown),
        ),

        a.rule(
          c,
          'MigrationExporterDown',
          'warning',
          'up{%(sel)s} == 0' % v,
          'migration_exporter {{ $labels.instance }} cannot be scraped',
          |||
            Prometheus has failed to scrape migration_exporter at {{ $labels.instance }} (job
            {{ $labels.job }}) for %s: migrations, locks and sessions of the databases it watches
            are not monitored.
          ||| % a.humanDuration(c.forDurations.MigrationExporterDown),
        ),

        // `up == 0` cannot fire for a target that service discovery no longer finds (a sidecar
        // removed from the pod template, a broken relabelling): absent() catches that.
        a.rule(
          c,
          'MigrationExporterAbsent',
          'warning',
          'absent(up{%(sel)s})' % v,
          'No migration_exporter target is being scraped',
          |||
            Prometheus has had no target matching {%s} for %s. Service discovery or the
            scrape configuration lost the exporter, so no database's migrations are monitored.
          ||| % [c.selector, a.humanDuration(c.forDurations.MigrationExporterAbsent)],
        ),

        a.rule(
          c,
          'MigrationExporterCollectorFailing',
          'warning',
          'migration_exporter_collector_success{%(sel)s} == 0' % v,
          'Collector {{ $labels.collector }} fails on {{ $labels.datname }}',
          |||
            The {{ $labels.collector }} collector of migration_exporter instance {{ $labels.instance }}
            has failed every poll for %s on database {{ $labels.datname }}{{ with $labels.target }}
            (target {{ . }}){{ end }}; its metrics are missing. The exporter's log names the error.
          ||| % a.humanDuration(c.forDurations.MigrationExporterCollectorFailing),
        ),

        // The exporter answers, but from an old snapshot: polls hang (a hung database, a network
        // partition) or the poller stopped. The metrics on screen are then history, not the present.
        a.rule(
          c,
          'MigrationExporterSnapshotStale',
          'warning',
          'time() - migration_exporter_last_poll_timestamp_seconds{%(sel)s} > %(snapshotStaleSeconds)d' % v,
          'migration_exporter data for {{ $labels.datname }} is {{ $value | humanizeDuration }} old',
          |||
            migration_exporter instance {{ $labels.instance }} last finished a poll of database
            {{ $labels.datname }}{{ with $labels.target }} (target {{ . }}){{ end }}
            {{ $value | humanizeDuration }} ago; every metric it serves for that database is that old.
          |||,
        ),
      ],
    }],
  },
}
