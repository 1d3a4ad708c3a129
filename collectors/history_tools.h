// How each migration tool's history table is read: one small description per tool, all read by
// the single history collector. A description maps the tool's own table onto the normalised
// columns below with one SELECT; everything else (aggregation, metrics) is shared.
#pragma once

#include <string>
#include <vector>

namespace mexp {

// The SELECT in `normalized_sql` reads `{table}` (replaced by the quoted schema.table) and returns
// exactly these columns, one row per history row:
//   kind             text         'apply' (ran a migration), 'undo' (a rollback), 'baseline' (a
//                                 synthetic version marker), 'delete' (the version was marked as
//                                 removed), 'marker' (bookkeeping row, ignored by every count)
//   version          text         NULL for repeatable migrations
//   version_key      numeric[]    ordering key of `version` (history_version_key_sql), NULL if none
//   description      text
//   type             text         the tool's own row type, unknown values mapped to 'other'
//   script           text
//   installed_by     text
//   applied_at       timestamptz  NULL when the tool records none
//   duration_seconds float8       NULL when the tool records none
//   success          boolean      true when the tool records no failures
//   ordinal          bigint       order of application (later rows are larger)
// The current version is, among versions whose latest row is a successful apply or baseline, the
// one with the highest version_key; a tool without orderable versions makes version_key an
// application-order key (a serial id, a timestamp) that stays stable while rows come and go, so
// that a current version moving backwards between polls can be seen as a rollback.
struct HistoryTool {
  std::string name;                      // the `tool` label
  std::vector<std::string> table_names;  // names auto-detection looks for (exact, case-sensitive)
  // Columns the table must have to be this tool's: "name" or "name type", the type as
  // format_type() prints it without modifiers ("bigint", "character varying"). They keep a
  // stranger's table of the same name from being read, and tell apart tools sharing a name
  // (schema_migrations: Rails, golang-migrate, dbmate): the tool with most requirements met wins.
  std::vector<std::string> required_columns;
  // Tables that sit beside this tool's table in the same schema (Rails' ar_internal_metadata);
  // used by auto-detection only, since a configured table names its tool.
  std::vector<std::string> companion_tables;
  std::string normalized_sql;
  // false: the table holds only the current state (Alembic's heads, golang-migrate's single row),
  // so no migration_applied; every applied row is a current version.
  bool records_history = true;
  bool records_duration = true;  // false: no duration histogram or last-duration series
  bool records_failures = true;  // false: no failed count or failure timestamp series
  // false: versions have no order and no undo is recorded (Alembic's revision ids), so a rollback
  // cannot be told from an upgrade: no migration_rollbacks series.
  bool orders_versions = true;
};

// Called from a static initialiser in each tool's description file.
bool register_history_tool(HistoryTool tool);
const std::vector<HistoryTool>& history_tools();  // sorted by name
const HistoryTool* find_history_tool(const std::string& name);

// The tool a detected table belongs to, given the table's name, its columns ("name type") and the
// companion tables present in its schema; nullptr when no tool's requirements are all met.
const HistoryTool* match_history_tool(const std::string& table,
                                      const std::vector<std::string>& columns,
                                      const std::vector<std::string>& companions);
// The tool's required columns the table lacks (empty when it can be read as this tool's).
std::vector<std::string> missing_history_columns(const HistoryTool& tool,
                                                 const std::vector<std::string>& columns);

// SQL expression turning a dotted version text into a numeric[] that orders the way versions do
// ("1.10" > "1.9", "2" > "1.10.5"; trailing ".0" parts ignored, so "1.0" equals "1"). A version
// with a part that is not a number ("v3", "abc", "1.x") has no key (NULL): it ranks below every
// numeric version, so a stray row never becomes the current version.
std::string history_version_key_sql(const std::string& column);
// SQL expression: the leading digits of a name as a one-part key ("20240105120000_init" →
// {20240105120000}), NULL when the name does not start with a digit.
std::string history_leading_number_key_sql(const std::string& column);
// The normalised SELECT of a table that lists the versions applied and nothing else (Rails' and
// dbmate's schema_migrations): every row an apply, ordered by version, with no time, duration,
// failure or author.
std::string history_version_list_sql(const std::string& version_column);
// SQL boolean: some session of this database holds the advisory lock `key` (as taken by
// pg_advisory_lock(bigint)) right now. Tells a migration that is running from one that died.
std::string history_advisory_lock_held_sql(long long key);

}  // namespace mexp
