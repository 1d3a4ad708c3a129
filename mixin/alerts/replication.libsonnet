// Alerts on replication slots: no consumer, consumer far behind.
local a = import '../lib/alerts.libsonnet';

{
  prometheusAlerts+:: {
    local c = $._config,
    local v = a.values(c),
    groups+: [{
      name: 'migration_exporter.replication',
      rules: [
        // Nobody consumes the slot (a stopped Debezium connector, a replica that is gone), yet the
        // server keeps every WAL segment the slot still needs: the disk fills up. The join with
        // pg_replication_slots_info (same collector, same poll) adds slot_type and plugin, so a
        // route can tell a CDC reader from a standby.
        a.rule(
          c,
          'MigrationExporterPostgreSQLReplicationSlotInactive',
          'warning',
          |||
            (pg_replication_slots_active{%(sel)s} == 0)
            * on (instance, target, datname, slot_name) group_left (slot_type, plugin)
            pg_replication_slots_info{%(sel)s}
          ||| % v,
          'Replication slot {{ $labels.slot_name }} on {{ $labels.datname }} has no consumer',
          |||
            The {{ $labels.slot_type }} replication slot {{ $labels.slot_name }}{{ with $labels.plugin }}
            (plugin {{ . }}){{ end }}{{ with $labels.database }} of database {{ . }}{{ end }} on the server
            of {{ $labels.datname }}{{ with $labels.target }} (target {{ . }}){{ end }} has had no consumer
            for %s; it retains
            {{ with printf "pg_replication_slots_pg_wal_lsn_diff{instance=%%q,target=%%q,datname=%%q,slot_name=%%q}" $labels.instance $labels.target $labels.datname $labels.slot_name | query }}{{ . | first | value | humanize1024 }}B{{ else }}an unknown amount{{ end }}
            of WAL, and the amount grows with every write. Exporter instance {{ $labels.instance }}.
          ||| % a.humanDuration(c.forDurations.MigrationExporterPostgreSQLReplicationSlotInactive),
        ),

        // The consumer is behind by more than slotLagBytes of WAL: a CDC pipeline is stalled or too
        // slow, and the retained WAL grows on the primary's disk. pg_replication_slots_lag_bytes
        // measures to confirmed_flush_lsn for logical slots (what the reader acknowledged) and to
        // restart_lsn for physical ones; the join adds slot_type and plugin as above.
        a.rule(
          c,
          'MigrationExporterPostgreSQLReplicationSlotLagging',
          'warning',
          |||
            (pg_replication_slots_lag_bytes{%(sel)s} > %(slotLagBytes)d)
            * on (instance, target, datname, slot_name) group_left (slot_type, plugin)
            pg_replication_slots_info{%(sel)s}
          ||| % v,
          'Replication slot {{ $labels.slot_name }} on {{ $labels.datname }} is {{ $value | humanize1024 }}B behind',
          |||
            The {{ $labels.slot_type }} replication slot {{ $labels.slot_name }}{{ with $labels.plugin }}
            (plugin {{ . }}){{ end }}{{ with $labels.database }} of database {{ . }}{{ end }} on the server
            of {{ $labels.datname }}{{ with $labels.target }} (target {{ . }}){{ end }} is
            {{ $value | humanize1024 }}B of WAL behind the current position. Its consumer is stalled or
            too slow; the server keeps that WAL on disk. Exporter instance {{ $labels.instance }}.
          |||,
        ),
      ],
    }],
  },
}
