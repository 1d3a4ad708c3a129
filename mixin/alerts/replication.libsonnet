// Alerts on replication slots: no consumer, consumer far behind, WAL about to be lost.
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

        // The slot is about to lose (or has lost) WAL its consumer still needs: wal_status
        // `unreserved` means the next checkpoint may remove it, `lost` that it is gone and the
        // consumer must be re-seeded (a Debezium snapshot, a standby rebuilt); a safe_wal_size
        // below slotSafeWalSizeBytes means that little more WAL can be written before that happens.
        // safe_wal_size exists only when max_slot_wal_keep_size limits slots (PostgreSQL 13+).
        // `or on (...)` keeps one series per slot when both sides hold.
        a.rule(
          c,
          'MigrationExporterPostgreSQLReplicationSlotAtRisk',
          'critical',
          |||
            (
                pg_replication_slots_wal_status{%(sel)s,wal_status=~"unreserved|lost"} == 1
              or on (instance, target, datname, slot_name)
                pg_replication_slots_safe_wal_size_bytes{%(sel)s} < %(slotSafeWalSizeBytes)d
            )
            * on (instance, target, datname, slot_name) group_left (slot_type, plugin)
            pg_replication_slots_info{%(sel)s}
          ||| % v,
          'Replication slot {{ $labels.slot_name }} on {{ $labels.datname }} is about to lose the WAL its consumer needs',
          |||
            The {{ $labels.slot_type }} replication slot {{ $labels.slot_name }}{{ with $labels.plugin }}
            (plugin {{ . }}){{ end }}{{ with $labels.database }} of database {{ . }}{{ end }} on the server
            of {{ $labels.datname }}{{ with $labels.target }} (target {{ . }}){{ end }}
            {{ if eq $labels.wal_status "lost" }}has lost WAL its consumer had not read: the consumer must be re-seeded.{{ else if eq $labels.wal_status "unreserved" }}no longer reserves the WAL its consumer needs: the next checkpoint may remove it.{{ else }}can retain only {{ $value | humanize1024 }}B more WAL before max_slot_wal_keep_size removes what its consumer needs.{{ end }}
            Exporter instance {{ $labels.instance }}.
          |||,
        ),
      ],
    }],
  },
}
