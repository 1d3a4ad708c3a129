// Alerts on sessions that make migrations wait: long transactions, idle in transaction.
local a = import '../lib/alerts.libsonnet';

{
  prometheusAlerts+:: {
    local c = $._config,
    local v = a.values(c),
    groups+: [{
      name: 'migration_exporter.activity',
      rules: [
        // An old transaction holds its locks and the xmin horizon: the next migration's ACCESS
        // EXCLUSIVE lock queues behind it (and every query queues behind the migration), and vacuum
        // cannot clean up. pg_long_running_transactions_max_age_seconds is the age of the oldest
        // client transaction over the activity collector's long_transaction_threshold (default 5m,
        // autovacuum and parallel workers left out), 0 when there is none: keep that threshold at
        // or below longTransactionSeconds.
        a.rule(
          c,
          'MigrationExporterPostgreSQLLongRunningTransaction',
          'warning',
          'pg_long_running_transactions_max_age_seconds{%(sel)s} > %(longTransactionSeconds)d' % v,
          'A transaction on {{ $labels.datname }} has been open for {{ $value | humanizeDuration }}',
          |||
            The oldest transaction in database {{ $labels.datname }}{{ with $labels.target }}
            (target {{ . }}){{ end }} has been open for {{ $value | humanizeDuration }}
            ({{ with printf "pg_long_running_transactions{instance=%q,target=%q,datname=%q}" $labels.instance $labels.target $labels.datname | query }}{{ . | first | value }}{{ else }}an unknown number of{{ end }}
            transaction(s) exceed the exporter's long-transaction threshold). It will block the next
            migration's lock and holds back vacuum. Exporter instance {{ $labels.instance }}.
          |||,
        ),

        // A client that opened a transaction and went quiet keeps its locks: a migration queued
        // behind it waits forever, with every application query queued behind the migration.
        a.rule(
          c,
          'MigrationExporterPostgreSQLIdleInTransaction',
          'warning',
          'pg_idle_in_transaction_max_age_seconds{%(sel)s} > %(idleInTransactionSeconds)d' % v,
          'A session on {{ $labels.datname }} has been idle in transaction for {{ $value | humanizeDuration }}',
          |||
            {{ with printf "pg_idle_in_transaction_sessions{instance=%q,target=%q,datname=%q}" $labels.instance $labels.target $labels.datname | query }}{{ . | first | value }}{{ else }}Some{{ end }}
            session(s) in database {{ $labels.datname }}{{ with $labels.target }} (target {{ . }}){{ end }}
            are idle in transaction; the oldest for {{ $value | humanizeDuration }}. They hold their
            locks and block migrations. Exporter instance {{ $labels.instance }}.
          |||,
        ),
      ],
    }],
  },
}
