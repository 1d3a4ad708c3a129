// Alerts on what migrations leave behind in the schema (schema_health, sequence_usage and
// schema_changes collectors): an invalid index, a constraint never validated, a sequence near its
// end, a published table without replica identity, DDL made outside the migration tools.
local a = import '../lib/alerts.libsonnet';

{
  prometheusAlerts+:: {
    local c = $._config,
    local v = a.values(c),
    groups+: [{
      name: 'migration_exporter.schema',
      rules: [
        // A failed or cancelled CREATE INDEX CONCURRENTLY (or REINDEX CONCURRENTLY) leaves its index
        // marked invalid: every write keeps maintaining it and no query can use it. Builds still
        // running are not counted by the exporter, so the `for:` only rides out a quick retry.
        a.rule(
          c,
          'MigrationInvalidIndexLeftBehind',
          'warning',
          'pg_schema_invalid_indexes{%(sel)s} > 0' % v,
          '{{ $value }} invalid index(es) left behind in {{ $labels.datname }}',
          |||
            Database {{ $labels.datname }}{{ with $labels.target }} (target {{ . }}){{ end }} has
            {{ $value }} invalid index(es), the remains of a failed or cancelled concurrent index build:
            {{ range printf "pg_schema_invalid_index_info{instance=%q,target=%q,datname=%q}" $labels.instance $labels.target $labels.datname | query }}{{ .Labels.schemaname }}.{{ .Labels.indexrelname }} on {{ .Labels.relname }}; {{ end }}
            they slow every write and serve no read. Drop and rebuild them. Exporter instance {{ $labels.instance }}.
          |||,
        ),

        // ADD CONSTRAINT ... NOT VALID is the first half of a lock-friendly constraint migration;
        // the second half (VALIDATE CONSTRAINT) is due within a deploy or two. A constraint still not
        // validated after the `for:` was forgotten: existing rows were never checked.
        a.rule(
          c,
          'MigrationConstraintNotValidated',
          'warning',
          'pg_schema_unvalidated_constraints{%(sel)s} > 0' % v,
          '{{ $value }} constraint(s) in {{ $labels.datname }} not validated for %s' % a.humanDuration(c.forDurations.MigrationConstraintNotValidated),
          |||
            Database {{ $labels.datname }}{{ with $labels.target }} (target {{ . }}){{ end }} has had
            {{ $value }} constraint(s) added NOT VALID and never validated for %s:
            {{ range printf "pg_schema_unvalidated_constraint_info{instance=%%q,target=%%q,datname=%%q}" $labels.instance $labels.target $labels.datname | query }}{{ .Labels.conname }} on {{ .Labels.schemaname }}.{{ .Labels.relname }}; {{ end }}
            rows that existed before the constraint are not checked. Exporter instance {{ $labels.instance }}.
          ||| % a.humanDuration(c.forDurations.MigrationConstraintNotValidated),
        ),

        // The schema changed while no history table changed and no migration tool held its lock:
        // DDL typed by hand that no migration records. Fires for unmanagedChangeWindow.
        a.rule(
          c,
          'MigrationUnmanagedSchemaChange',
          'warning',
          'increase(pg_schema_unmanaged_changes_total{%(sel)s}[%(unmanagedChangeWindow)s]) > 0' % v,
          'The schema of {{ $labels.datname }} changed outside the migration tools',
          |||
            The schema of database {{ $labels.datname }}{{ with $labels.target }} (target {{ . }}){{ end }}
            changed {{ $value | humanize }} time(s) within %(window)s without any migration tool running:
            {{ range printf "pg_schema_unmanaged_change_timestamp_seconds{instance=%%q,target=%%q,datname=%%q} > time() - %(windowSeconds)d" $labels.instance $labels.target $labels.datname | query }}{{ .Labels.kind }} in schema {{ .Labels.schemaname }}; {{ end }}
            no migration records it. Exporter instance {{ $labels.instance }}.
          ||| % {
            window: a.humanDuration(v.unmanagedChangeWindow),
            windowSeconds: std.parseInt(std.substr(v.unmanagedChangeWindow, 0, std.length(v.unmanagedChangeWindow) - 1))
                           * { s: 1, m: 60, h: 3600, d: 86400 }[std.substr(v.unmanagedChangeWindow, std.length(v.unmanagedChangeWindow) - 1, 1)],
          },
        ),

        // The larger of the sequence's own range used and the range of the smallint/integer column
        // it feeds: an integer key at sequenceUsedRatio leaves weeks to months to make it bigint.
        a.rule(
          c,
          'MigrationExporterPostgreSQLSequenceNearExhaustion',
          'warning',
          |||
            max by (job, instance, target, datname, schemaname, sequencename) (
              {__name__=~"pg_sequence_used_ratio|pg_sequence_column_used_ratio", %(sel)s}
            ) > %(sequenceUsedRatio)s
          ||| % v,
          'Sequence {{ $labels.schemaname }}.{{ $labels.sequencename }} on {{ $labels.datname }} has used {{ $value | humanizePercentage }} of its range',
          |||
            Sequence {{ $labels.schemaname }}.{{ $labels.sequencename }} in database {{ $labels.datname }}{{ with $labels.target }}
            (target {{ . }}){{ end }} has used {{ $value | humanizePercentage }} of its range or of the
            range of the column it feeds{{ with printf "pg_sequence_column_used_ratio{instance=%q,target=%q,datname=%q,schemaname=%q,sequencename=%q}" $labels.instance $labels.target $labels.datname $labels.schemaname $labels.sequencename | query }}{{ with . | first }} ({{ .Labels.relname }}.{{ .Labels.attname }}, {{ .Labels.column_type }}){{ end }}{{ end }}.
            When it runs out, every INSERT that takes a value fails. Exporter instance {{ $labels.instance }}.
          |||,
        ),

        // A table published for UPDATE or DELETE needs a replica identity: without one (no primary
        // key under REPLICA IDENTITY DEFAULT, or NOTHING) every UPDATE and DELETE on it fails.
        a.rule(
          c,
          'MigrationExporterPostgreSQLPublishedTableWithoutReplicaIdentity',
          'critical',
          'pg_schema_unreplicable_tables{%(sel)s} > 0' % v,
          '{{ $value }} published table(s) in {{ $labels.datname }} cannot replicate UPDATE/DELETE',
          |||
            Database {{ $labels.datname }}{{ with $labels.target }} (target {{ . }}){{ end }} publishes
            {{ $value }} table(s) for UPDATE or DELETE without a replica identity:
            {{ range printf "pg_schema_unreplicable_table_info{instance=%q,target=%q,datname=%q}" $labels.instance $labels.target $labels.datname | query }}{{ .Labels.schemaname }}.{{ .Labels.relname }} (publication {{ .Labels.pubname }}, replica identity {{ .Labels.replica_identity }}); {{ end }}
            every UPDATE and DELETE on them fails. Exporter instance {{ $labels.instance }}.
          |||,
        ),
      ],
    }],
  },
}
