// The knobs a team overrides (mixin + { _config+:: { ... } }): which series are ours, thresholds,
// how long a condition must hold before it fires, where runbooks live, how dashboards are tagged.
{
  _config+:: {
    // Label matchers that select migration_exporter's series in Prometheus. Every alert expression
    // carries them, so pg_* families that postgres_exporter also exports are never mixed in.
    selector: 'job="migration_exporter"',

    // Alert name -> `for:`. An alert missing here fires on the first evaluation that matches.
    forDurations: {
      MigrationFailed: '1m',
      MigrationHistoryUnreadable: '5m',
      MigrationPending: '30m',
      MigrationChecksumMismatch: '5m',
      MigrationSourceMissing: '15m',
      MigrationSourceUnreadable: '10m',
      MigrationRunningTooLong: '1m',
      MigrationBlockingSessions: '1m',
      MigrationWaitingForLock: '1m',
      MigrationLockStale: '5m',
      MigrationExporterPostgreSQLLockQueueWithoutMigration: '2m',
      MigrationExporterPostgreSQLLongRunningTransaction: '2m',
      MigrationExporterPostgreSQLIdleInTransaction: '2m',
      MigrationExporterPostgreSQLReplicationSlotInactive: '5m',
      MigrationExporterPostgreSQLReplicationSlotLagging: '10m',
      MigrationExporterPostgreSQLReplicationSlotAtRisk: '1m',
      MigrationInvalidIndexLeftBehind: '5m',
      MigrationConstraintNotValidated: '24h',
      MigrationExporterPostgreSQLSequenceNearExhaustion: '5m',
      MigrationExporterPostgreSQLPublishedTableWithoutReplicaIdentity: '1m',
      MigrationExporterPostgreSQLDown: '1m',
      MigrationExporterDown: '5m',
      MigrationExporterAbsent: '15m',
      MigrationExporterCollectorFailing: '10m',
      MigrationExporterSnapshotStale: '5m',
    },

    thresholds: {
      // MigrationRolledBack: rollbacks recorded within this window.
      rollbackWindow: '30m',
      // MigrationRunningTooLong: longer than this AND longer than factor x the table's p95.
      runningTooLongSeconds: 600,
      runningTooLongP95Factor: 3,
      // MigrationBlockingSessions: the longest wait behind the migration.
      blockedMaxWaitSeconds: 10,
      // MigrationWaitingForLock: the migration's own lock wait.
      migrationLockWaitSeconds: 60,
      // ...LockQueueWithoutMigration: a queue whose oldest waiter waits this long, or this many waiters.
      lockQueueWaitSeconds: 60,
      lockQueueSessions: 10,
      // ...LongRunningTransaction: keep the exporter's long_transaction_threshold at or below this.
      longTransactionSeconds: 900,
      idleInTransactionSeconds: 300,
      // ...ReplicationSlotLagging: WAL bytes behind (1 GiB).
      slotLagBytes: 1073741824,
      // ...ReplicationSlotAtRisk: WAL that can still be written before the slot loses some (1 GiB).
      slotSafeWalSizeBytes: 1073741824,
      // MigrationUnmanagedSchemaChange: how long one change outside the migrations keeps it firing.
      unmanagedChangeWindow: '1h',
      // ...SequenceNearExhaustion: fraction of the sequence's or its column's range used.
      sequenceUsedRatio: 0.8,
      // MigrationExporterSnapshotStale: age of the last finished poll.
      snapshotStaleSeconds: 300,
    },

    // runbook_url of every alert: this base + the alert name + '.md'.
    runbookURLBase: 'https://github.com/migration-exporter/migration_exporter/blob/main/docs/runbooks/',

    // Every dashboard carries these tags; the first one links the dashboards to each other.
    dashboardTags: ['migration_exporter'],

    // The label that tells your clusters (or regions, environments) apart, added by your scrape
    // configuration or external labels. Dashboards filter and aggregate by it; a fleet without it
    // works too (the variable's All matches series that lack the label).
    clusterLabel: 'cluster',

    // What dashboard queries are made of: label matchers of the variables (exporter: which exporters;
    // target, db, tool: which databases) and the labels that name one database across the fleet
    // (database: the aggregation of every per-database panel; instance is left out on purpose, so
    // that several sidecars watching one database count it once).
    dashboardSelectors: {
      local cluster = $._config.clusterLabel,
      exporter: 'job=~"$job",%s=~"$cluster",instance=~"$instance"' % cluster,
      target: self.exporter + ',target=~"$target"',
      db: self.target + ',datname=~"$datname"',
      tool: self.db + ',tool=~"$tool"',
      database: 'job, %s, target, datname' % cluster,
      // Legends name the database with its cluster ("eu-1/orders"; "/orders" without the label).
      dbLegend: '{{%s}}/{{datname}}' % cluster,
      clusterLabel: cluster,
    },
  },
}
