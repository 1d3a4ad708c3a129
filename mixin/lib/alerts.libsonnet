// Builders for alerting rules: the rule shape every alert shares, its `for:` from _config.
//
// Conventions of every rule:
// - Every alert keeps `instance`, `target` (present when one exporter watches several databases) and
//   `datname`, so Alertmanager can group by database and inhibit per exporter. Joins therefore match
//   on (instance, target, datname[, tool, schema, table]): the live migration families carry the
//   history table they belong to, like the history families. A label missing on both sides matches.
//   Joins never name `server` (postgres_exporter's label on pg_locks_count and pg_stat_activity_*),
//   so rules work with and without it.
// - Every selector carries _config.selector, so postgres_exporter's pg_* series never match.
// - `severity` is `critical` (someone should act now: sessions are failing or the database is gone)
//   or `warning` (needs attention in working hours, or is the cause of something bigger soon).
// - Names start with `Migration` (`MigrationExporter` when not about a migration itself), so none
//   clashes with postgres_mixin's PostgreSQL*/Postgres* alerts.
{
  // Text written over several lines for reading, rendered as one line (as YAML's `>-` would).
  oneLine(text):: std.join(' ', [l for l in std.split(std.stripChars(text, '\n'), '\n')]),

  // One alerting rule. `for` is config.forDurations[name] when it names the alert; runbook_url is
  // added for every rule in mixin.libsonnet.
  rule(config, name, severity, expr, summary, description)::
    {
      alert: name,
      expr: expr,
      labels: { severity: severity },
      annotations: { summary: summary, description: $.oneLine(description) },
    }
    + (if std.objectHas(config.forDurations, name) then { 'for': config.forDurations[name] } else {}),

  // 600 -> '10 minutes', 60 -> 'a minute', 90 -> '90 seconds': durations as the texts say them.
  humanSeconds(seconds)::
    local say(n, unit, one) = if n == 1 then one else '%d %ss' % [n, unit];
    if seconds % 3600 == 0 then say(seconds / 3600, 'hour', 'an hour')
    else if seconds % 60 == 0 then say(seconds / 60, 'minute', 'a minute')
    else say(seconds, 'second', 'a second'),

  // A Prometheus duration of one unit ('5m', '1h', '30s') said the same way.
  humanDuration(duration)::
    local unit = std.substr(duration, std.length(duration) - 1, 1);
    local n = std.parseInt(std.substr(duration, 0, std.length(duration) - 1));
    $.humanSeconds(n * { s: 1, m: 60, h: 3600, d: 86400 }[unit]),

  // Values for '...' % values in expressions: the thresholds, `sel` (our series) and the `for` of
  // every alert, named forDurations.
  values(config):: config.thresholds { sel: config.selector },
}
