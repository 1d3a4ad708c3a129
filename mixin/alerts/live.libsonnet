// Alerts on running migrations: too long, blocking sessions, waiting for a lock, stale tool locks,
// and lock queues that no migration explains.
local a = import '../lib/alerts.libsonnet';

{
  prometheusAlerts+:: {
    local c = $._config,
    local v = a.values(c),
    groups+: [{
      name: 'migration_exporter.live',
      rules: [
        // Two conditions, so that neither a slow-but-usual backfill nor a one-second table pages
        // anyone: the migration runs longer than runningTooLongSeconds AND longer than
        // runningTooLongP95Factor times the p95 duration that its own history table records. The
        // live series name the history table (schema, table), so the join is per table. Without
        // any recorded duration to compare with (a tool that records none, or a lock that names no
        // single history table: empty schema and table), the absolute limit alone decides.
        a.rule(
          c,
          'MigrationRunningTooLong',
          'warning',
          |||
            (migration_in_progress_seconds{%(sel)s} > %(runningTooLongSeconds)d)
            and on (instance, target, datname, tool, schema, table)
            (
                migration_in_progress_seconds{%(sel)s}
              > on (instance, target, datname, tool, schema, table) group_left ()
                %(runningTooLongP95Factor)s * histogram_quantile(0.95,
                  sum by (instance, target, datname, tool, schema, table, le) (migration_duration_seconds_bucket{%(sel)s}))
              or
                migration_in_progress_seconds{%(sel)s}
              unless on (instance, target, datname, tool, schema, table)
                (migration_duration_seconds_count{%(sel)s} > 0)
            )
          ||| % v,
          'A {{ $labels.tool }} migration on {{ $labels.datname }} has run for {{ $value | humanizeDuration }}, far longer than usual',
          |||
            A {{ $labels.tool }} migration in database {{ $labels.datname }}{{ with $labels.target }}
            (target {{ . }}){{ end }}{{ with $labels.table }} (history table {{ $labels.schema }}.{{ . }}){{ end }}
            has been running for {{ $value | humanizeDuration }}: longer than %(runningTooLong)s and longer than
            %(runningTooLongP95Factor)s times the p95 of its recorded durations
            ({{ with printf "histogram_quantile(0.95, sum by (le) (migration_duration_seconds_bucket{instance=%%q,target=%%q,datname=%%q,tool=%%q,schema=%%q,table=%%q})) > 0" $labels.instance $labels.target $labels.datname $labels.tool $labels.schema $labels.table | query }}{{ with . | first | value }}p95 {{ . | humanizeDuration }}{{ else }}no recorded duration{{ end }}{{ else }}no recorded duration{{ end }}).
            It may be waiting for a lock or rewriting a large table.{{ range printf "pg_progress_ratio{instance=%%q,target=%%q,datname=%%q,tool=%%q,schema=%%q,table=%%q}" $labels.instance $labels.target $labels.datname $labels.tool $labels.schema $labels.table | query }}
            Its backend runs {{ .Labels.command }} on {{ .Labels.schemaname }}.{{ .Labels.relname }}, phase "{{ .Labels.phase }}",
            {{ .Value | humanizePercentage }} done{{ with printf "pg_progress_seconds_remaining{instance=%%q,target=%%q,datname=%%q,pid=%%q}" .Labels.instance .Labels.target .Labels.datname .Labels.pid | query }}, about {{ . | first | value | humanizeDuration }} left{{ end }}.{{ end }}
            Exporter instance {{ $labels.instance }}.
          ||| % (v { runningTooLong: a.humanSeconds(v.runningTooLongSeconds) }),
        ),

        // The classic migration incident: the migration holds (or queues for) an ACCESS EXCLUSIVE
        // lock and application sessions queue behind it. A wait of a few seconds is normal for a
        // quick ALTER; sessions waiting longer than blockedMaxWaitSeconds are an outage in progress.
        a.rule(
          c,
          'MigrationBlockingSessions',
          'critical',
          |||
            migration_blocked_sessions{%(sel)s} > 0
            and on (instance, target, datname, tool, schema, table)
            migration_blocked_max_wait_seconds{%(sel)s} > %(blockedMaxWaitSeconds)d
          ||| % v,
          'A {{ $labels.tool }} migration on {{ $labels.datname }} blocks {{ $value }} session(s)',
          |||
            {{ $value }} session(s) in database {{ $labels.datname }}{{ with $labels.target }}
            (target {{ . }}){{ end }} wait behind the running {{ $labels.tool }} migration{{ with $labels.table }}
            (history table {{ $labels.schema }}.{{ . }}){{ end }}; the longest has waited
            {{ with printf "migration_blocked_max_wait_seconds{instance=%q,target=%q,datname=%q,tool=%q,schema=%q,table=%q}" $labels.instance $labels.target $labels.datname $labels.tool $labels.schema $labels.table | query }}{{ . | first | value | humanizeDuration }}{{ else }}an unknown time{{ end }}.
            Application queries on the migrated table are stalled. Exporter instance {{ $labels.instance }}.
          |||,
        ),

        // The migrating session itself waits for a lock that another session holds or queues for:
        // the deploy is stuck behind a long or idle transaction, and while its ACCESS EXCLUSIVE
        // request is queued every query on that table queues behind it. A few seconds is a busy
        // table; more than a minute is a blocker that will not go away by itself.
        a.rule(
          c,
          'MigrationWaitingForLock',
          'warning',
          'migration_waiting_seconds{%(sel)s} > %(migrationLockWaitSeconds)d' % v,
          'A {{ $labels.tool }} migration on {{ $labels.datname }} has waited {{ $value | humanizeDuration }} for a lock',
          |||
            The running {{ $labels.tool }} migration in database {{ $labels.datname }}{{ with $labels.target }}
            (target {{ . }}){{ end }}{{ with $labels.table }} (history table {{ $labels.schema }}.{{ . }}){{ end }}
            has waited {{ $value | humanizeDuration }} for a lock another session holds. The oldest
            transaction there is
            {{ with printf "pg_long_running_transactions_max_age_seconds{instance=%q,target=%q,datname=%q} > 0" $labels.instance $labels.target $labels.datname | query }}{{ . | first | value | humanizeDuration }} old{{ else }}younger than the exporter's long-transaction threshold{{ end }};
            the oldest idle in transaction
            {{ with printf "pg_idle_in_transaction_max_age_seconds{instance=%q,target=%q,datname=%q} > 0" $labels.instance $labels.target $labels.datname | query }}{{ . | first | value | humanizeDuration }}{{ else }}none{{ end }}.
            End the blocker or cancel the migration. Exporter instance {{ $labels.instance }}.
          |||,
        ),

        // A lock-table tool (Liquibase, Knex, goose) left its lock row set and no live holder was
        // found for longer than the exporter's stale_lock_after (default 10m) or past the tool's
        // lease: a crashed deploy. Every later deploy of that application waits for the lock or fails.
        a.rule(
          c,
          'MigrationLockStale',
          'warning',
          'migration_lock_stale{%(sel)s} == 1' % v,
          'Stale {{ $labels.tool }} migration lock in {{ $labels.schema }}.{{ $labels.table }} on {{ $labels.datname }}',
          |||
            The {{ $labels.tool }} lock next to history table {{ $labels.schema }}.{{ $labels.table }} in
            database {{ $labels.datname }}{{ with $labels.target }} (target {{ . }}){{ end }} is set, but no
            session holding it has been found for %s past the stale limit: a migration run died
            without releasing it. The next deploy's migrate step will wait for it and fail. Check that
            no deploy is running, then release it with the tool. Exporter instance {{ $labels.instance }}.
          ||| % a.humanDuration(c.forDurations.MigrationLockStale),
        ),

        // Sessions queue for locks while no known migration tool holds its lock: a manual DDL, a
        // long transaction holding a lock, or a migration tool we do not recognise. A queue counts
        // when its oldest waiter waits longer than lockQueueWaitSeconds or when lockQueueSessions
        // or more sessions wait.
        a.rule(
          c,
          'MigrationExporterPostgreSQLLockQueueWithoutMigration',
          'warning',
          |||
            pg_blocked_sessions{%(sel)s} > 0
            and on (instance, target, datname)
            (pg_lock_wait_max_seconds{%(sel)s} > %(lockQueueWaitSeconds)d or pg_blocked_sessions{%(sel)s} >= %(lockQueueSessions)d)
            unless on (instance, target, datname)
            (migration_in_progress{%(sel)s} == 1)
          ||| % v,
          '{{ $value }} session(s) on {{ $labels.datname }} queue for locks, and no migration is running',
          |||
            {{ $value }} session(s) in database {{ $labels.datname }}{{ with $labels.target }}
            (target {{ . }}){{ end }} wait for locks (longest wait
            {{ with printf "pg_lock_wait_max_seconds{instance=%q,target=%q,datname=%q}" $labels.instance $labels.target $labels.datname | query }}{{ . | first | value | humanizeDuration }}{{ else }}unknown{{ end }})
            while no migration tool holds its lock. Find the blocking backend with the runbook's query.
            Exporter instance {{ $labels.instance }}.
          |||,
        ),
      ],
    }],
  },
}
