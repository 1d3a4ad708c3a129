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
      // MigrationExporterSnapshotStale: age of the last finished poll.
      snapshotStaleSeconds: 300,
    },

    // runbook_url of every alert: this base + the alert name + '.md'.
    runbookURLBase: 'https://github.com/migration-exporter/migration_exporter/blob/main/docs/runbooks/',

    // Every dashboard carries these tags; the first one links the dashboards to each other.
    dashboardTags: ['migration_exporter'],

    // Label matchers of the dashboard variables, spliced into every panel query.
    dashboardSelectors: {
      target: 'target=~"$target"',
      db: self.target + ',datname=~"$datname"',
      tool: self.db + ',tool=~"$tool"',
    },
  },
}
