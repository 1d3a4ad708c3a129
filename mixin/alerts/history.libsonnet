// Alerts on the migration history tables: failed migrations, unreadable histories, rollbacks.
local a = import '../lib/alerts.libsonnet';

{
  prometheusAlerts+:: {
    local c = $._config,
    local v = a.values(c),
    groups+: [{
      name: 'migration_exporter.history',
      rules: [
        // Open failures only: a migration whose latest history row is a failure. A later success
        // of the same migration (Sqitch deploys the fixed change), a repair (Flyway deletes the
        // failed row) or a clean state (golang-migrate `force`) resolves it, while migration_failed
        // keeps counting the failures ever recorded. On PostgreSQL a failed row also means a
        // non-transactional migration stopped half way (see the runbook).
        a.rule(
          c,
          'MigrationFailed',
          'critical',
          'migration_unresolved_failures{%(sel)s} > 0' % v,
          '{{ $labels.tool }} history {{ $labels.schema }}.{{ $labels.table }} on {{ $labels.datname }} has {{ $value }} unresolved failed migration(s)',
          |||
            The {{ $labels.tool }} history table {{ $labels.schema }}.{{ $labels.table }} in database
            {{ $labels.datname }}{{ with $labels.target }} (target {{ . }}){{ end }} shows {{ $value }}
            migration(s) whose latest run failed and that no later run or repair has resolved. The
            schema may be half-migrated and the next deployment's migrate step will stop on it.
            Exporter instance {{ $labels.instance }}.
          |||,
        ),

        // migration_history_up is 0 when a known history table exists but the exporter cannot read
        // it (privileges, a dropped column, a statement timeout): migrations there are unwatched.
        a.rule(
          c,
          'MigrationHistoryUnreadable',
          'warning',
          'migration_history_up{%(sel)s} == 0' % v,
          'migration_exporter cannot read {{ $labels.tool }} history {{ $labels.schema }}.{{ $labels.table }} on {{ $labels.datname }}',
          |||
            The {{ $labels.tool }} history table {{ $labels.schema }}.{{ $labels.table }} in database
            {{ $labels.datname }}{{ with $labels.target }} (target {{ . }}){{ end }} has not been readable
            for %s, so failed or running migrations there are invisible. Exporter instance
            {{ $labels.instance }}; its log names the SQL error.
          ||| % a.humanDuration(c.forDurations.MigrationHistoryUnreadable),
        ),

        // The rollback count is a count of history rows, not a process counter: comparing it with
        // its value a window ago shows exactly how many rollbacks were recorded since (and a history
        // that was cleaned up, which lowers the count, does not look like a new rollback).
        a.rule(
          c,
          'MigrationRolledBack',
          'warning',
          'migration_rollbacks{%(sel)s} - migration_rollbacks{%(sel)s} offset %(rollbackWindow)s > 0' % v,
          '{{ $labels.tool }} recorded {{ $value }} rollback(s) on {{ $labels.datname }} in the last %s' % a.humanDuration(v.rollbackWindow),
          |||
            {{ $value }} rollback(s) (undo or revert) were recorded in the last %s in the
            {{ $labels.tool }} history table {{ $labels.schema }}.{{ $labels.table }} of database
            {{ $labels.datname }}{{ with $labels.target }} (target {{ . }}){{ end }}. Check that the
            rollback was intended and that the application runs against the schema it expects.
            Exporter instance {{ $labels.instance }}.
          ||| % a.humanDuration(v.rollbackWindow),
        ),
      ],
    }],
  },
}
