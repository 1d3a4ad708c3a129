// How each migration tool's source files are read: one small data-driven description per tool
// (which file names are migrations and what identity the history records for them, how the tool
// checksums a file, how it orders versions, which history columns to compare against).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mexp {

enum class SourceKind { versioned, repeatable, undo, baseline };

// One migration as the tool would derive it from a file.
struct SourceMigration {
  SourceKind kind = SourceKind::versioned;
  std::string identity;  // the key the history row carries (a version, a name, a description)
  std::string version;   // empty for repeatables and tools without versions
  std::string description;
  // The migrations this one follows in a graph (Alembic's down_revision and depends_on).
  std::vector<std::string> parents{};
  // Other names a parent reference may use for this one (Alembic's branch_labels).
  std::vector<std::string> aliases{};
};

// The outcome of reading one file name: a migration, not a migration at all (README.md, a
// callback, a helper script: ignored as the tool ignores it), or a name the tool would reject.
struct SourceName {
  std::optional<SourceMigration> migration;
  std::string malformed;  // non-empty: why the tool would reject this name
  // From SourceTool::read_content only: the fingerprint the tool records for the file when its
  // content alone gives it (Graphile Migrate's hash), and why the tool would refuse to run it.
  std::optional<std::string> checksum{};
  std::string problem{};
};

// Naming settings a pairing may override, named as the tool names them (Flyway's
// sqlMigrationPrefix and friends); tools without such settings ignore them.
struct SourceNaming {
  std::string versioned_prefix = "V";
  std::string undo_prefix = "U";
  std::string repeatable_prefix = "R";
  std::string baseline_prefix = "B";
  std::string separator = "__";
  std::vector<std::string> suffixes = {".sql"};
  // Liquibase's changelog-file: the root changelog's path below the source directory (its search
  // path), as Liquibase is given it; empty: the source is that file, or holds one by a usual name.
  std::string changelog_file{};
};

// How the tool fingerprints a file's content, as it stores it in its history table.
// prisma_sha256: sha256_hex, and the file also matches the digests of its text with CRLF as LF, LF
// as CRLF, each also in the unpadded hex older Prisma versions wrote. chained: a file's fingerprint
// also covers the files before it, computed by the tool's `chain_checksums` (Atlas's atlas.sum).
enum class SourceChecksum { none, flyway_crc32, sha256_hex, md5_hex, prisma_sha256, chained };

// One migration file's content, for a tool whose checksums span several files.
struct SourceContent {
  std::string path;  // relative to the source root, '/'-separated
  std::string content;
};

// What SourceTool::chain_checksums makes of a whole source.
struct ChainedChecksums {
  std::vector<std::optional<std::string>> checksums;  // one per file, in the order given
  std::vector<std::string> problems;  // of the source as a whole (an out-of-date atlas.sum)
};

// What a changelog reader found across its files: the migrations in the order the tool runs them,
// each with its checksum where one can be computed.
struct ChangelogEntry {
  SourceMigration migration;
  std::optional<std::string> checksum;
  std::vector<std::string> also_accepted;
};
struct ChangelogRead {
  std::vector<ChangelogEntry> entries;
  std::vector<std::pair<std::string, std::string>> malformed;  // file, why the tool rejects it
  std::string error;  // non-empty: the tool could not read the changelog (a missing include)
};
class ChangelogFiles;
struct SourceFile;

// What the tool does with two files of one migration (one kind, one identity). Most refuse the
// source (golang-migrate, goose, Flyway, Confiture's duplicate-version check, Graphile Migrate's
// broken hash chain). Some go on with the last file in name order: Alembic warns "Revision … is
// present more than once" and its revision map keeps the last script loaded; Atlas runs both and
// upserts one revision row per version, so the row ends up the last file's.
enum class DuplicateFiles { refused, last_wins };

// One history row as the comparison needs it (read by the source tool's applied_sql).
struct AppliedMigration {
  std::string kind;  // 'apply', 'undo', 'baseline', 'delete', 'marker' (as the history normalises)
  std::optional<std::string> version;
  std::string description;
  std::string type;
  std::string script;
  std::optional<std::string> checksum;
  bool success = true;
  long long ordinal = 0;
};

struct SourceTool {
  std::string name{};  // the history tool this reads the sources of (the `tool` label)
  SourceChecksum checksum = SourceChecksum::none;
  // Files the tool keeps no fingerprint of while it checksums the others (Postgrator's JS
  // migrations); nullptr: every migration file is checksummed.
  std::function<bool(std::string_view relative_path)> unchecksummed{};
  // `relative_path` is the file's path below the source root, '/'-separated.
  std::function<SourceName(std::string_view relative_path, const SourceNaming&)> parse{};
  // Tools whose migrations are listed in one plan file (Sqitch's sqitch.plan) set both instead of
  // `parse`: the file's name in the source directory, and how its text lists the migrations (a
  // line it cannot read goes to `problems` as "line N: why").
  std::string plan_file{};
  std::function<std::vector<SourceMigration>(std::string_view content,
                                             std::vector<std::string>& problems)>
      read_plan{};
  // Tools that write a migration's identity inside its file (Alembic's `revision = "..."`): called
  // with the content of each file `parse` accepted (again only when its size or mtime changed),
  // returning the migration completed, nothing (not a migration) or why the tool rejects it.
  std::function<SourceName(std::string_view content, const SourceMigration& named)> read_content{};
  // SourceChecksum::chained: every migration file, sorted by path, and the content of
  // `integrity_file` (read beside them in the source directory; nullopt when absent); called
  // again only when one of them changed.
  std::string integrity_file{};
  std::function<ChainedChecksums(const std::vector<SourceContent>& files,
                                 const std::optional<std::string>& integrity)>
      chain_checksums{};
  // Tools whose files name the one before them (Graphile Migrate's `--! Previous:` hash): called
  // with the files of a complete scan, sorted by path, to set `problem` on those the tool refuses
  // for what the files before them hold (each file alone is checked by read_content).
  std::function<void(std::vector<SourceFile>& files)> check_sequence{};
  // <0, 0, >0 as the tool orders two versions.
  std::function<int(std::string_view, std::string_view)> compare_versions{};
  // Reads `{table}` (the quoted history table) into the AppliedMigration columns, in order:
  // kind, version, description, type, script, checksum (text), success, ordinal.
  std::string applied_sql{};
  // The identity a history row is compared by (matches SourceMigration::identity): its version
  // column unless the tool says otherwise.
  std::function<std::string(const AppliedMigration&)> identity_of =
      [](const AppliedMigration& row) { return row.version.value_or(""); };
  // Tools whose history records only the heads of a graph (Alembic's alembic_version): the rows
  // the recorded ones imply, given every migration of the sources (one applied row per head and
  // per ancestor of a head); nullptr: the history rows as they are.
  std::function<std::vector<AppliedMigration>(const std::vector<SourceMigration>& sources,
                                              const std::vector<AppliedMigration>& history)>
      expand_history{};
  // Rows the sources cannot show (Flyway's Java migrations): counted as unverifiable, not missing.
  std::function<bool(const AppliedMigration&)> unverifiable = [](const AppliedMigration&) {
    return false;
  };
  // Rows that never had a file (Flyway's synthetic baseline): neither missing nor unverifiable.
  std::function<bool(const AppliedMigration&)> synthetic = [](const AppliedMigration& row) {
    return row.kind == "marker";
  };
  // Tools whose history records a name written inside the migration (TypeORM's class name, EF
  // Core's [Migration] attribute) set `read_identity`: given what `parse` made of the file name and
  // the text of the file, or of `identity_file(path)` when that file exists (EF Core's Designer
  // file), it returns the migration as the tool names it, no migration, or why the tool rejects
  // it. The text is read again only when that file's size or mtime changed.
  std::function<std::string(std::string_view relative_path)> identity_file{};
  std::function<SourceName(const SourceMigration& from_name, std::string_view content)>
      read_identity{};
  // Tools whose migrations are listed across a tree of changelog files (Liquibase: a root file and
  // what it includes) set this instead of `parse`: it reads `changelog` (a path below the search
  // path) and what it includes through `files`. `changelog_names`: the root names looked for in
  // the source directory when SourceNaming::changelog_file is not set.
  std::function<ChangelogRead(ChangelogFiles& files, const std::string& changelog)>
      read_changelog{};
  std::vector<std::string> changelog_names{};
  // Every duplicate file is reported as malformed either way; this says which one is compared.
  DuplicateFiles duplicate_files = DuplicateFiles::refused;
};

// Called from a static initialiser in each tool's sources/source_<tool>.cpp.
bool register_source_tool(SourceTool tool);
const SourceTool* find_source_tool(const std::string& name);
const std::vector<SourceTool>& source_tools();  // sorted by name

// Versions as dotted numbers ("1.10" > "1.9", "1" == "1.0", leading zeros ignored); parts that are
// not numbers compare as text after every number. The order Flyway and most tools use.
int compare_dotted_versions(std::string_view a, std::string_view b);
// Byte order: tools that order names or fixed-width timestamps as text (Knex, Laravel, Prisma).
int compare_as_text(std::string_view a, std::string_view b);

}  // namespace mexp
