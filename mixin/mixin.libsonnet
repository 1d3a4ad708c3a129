// migration_exporter's monitoring mixin: alerting rules, recording rules and Grafana dashboards,
// generated from _config (config.libsonnet). Render with mixin/render.sh; see mixin/README.md.
local withRunbook(config, group) = group {
  rules: [
    rule { annotations+: { runbook_url: config.runbookURLBase + rule.alert + '.md' } }
    for rule in super.rules
  ],
};

(import 'config.libsonnet')
+ (import 'alerts/history.libsonnet')
+ (import 'alerts/sources.libsonnet')
+ (import 'alerts/live.libsonnet')
+ (import 'alerts/activity.libsonnet')
+ (import 'alerts/replication.libsonnet')
+ (import 'alerts/schema.libsonnet')
+ (import 'alerts/availability.libsonnet')
+ (import 'dashboards/migrations-overview.libsonnet')
+ (import 'dashboards/locks-activity.libsonnet')
+ (import 'dashboards/tables-indexes-replication.libsonnet')
+ {
  prometheusAlerts+:: {
    groups: [withRunbook($._config, group) for group in super.groups],
  },
  prometheusRules+:: { groups+: [] },
}
