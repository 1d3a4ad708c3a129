// Graphile Migrate's committed migrations, read as graphile-migrate 1.4 and 2.0 read them
// (graphile/migrate src/migration.ts getAllMigrations, parseMigrationText; src/hash.ts
// calculateHash): `committed/<number>[-<message>].sql` below the migrations folder (or the files of
// the committed folder itself when the path names it), matching
// /^([0-9]+)(-[-_a-zA-Z0-9]*)?\.sql$/; current.sql and the current/ folder are work in progress,
// not migrations. The history records
// `<number>.sql` (the message left out), ordered by name.
//
// A committed file starts with `--! Key: value` headers, then an empty line, then the body. Its
// hash is "sha1:" + sha1hex(trim((previous or "") + "\n" + trim(body)) + "\n"), previous being the
// `--! Previous:` header ("-" for none). graphile-migrate stores the `--! Hash:` header and refuses
// to run a file whose header disagrees with its body, unless `--! AllowInvalidHash` is set: the
// recorded hash is compared with the hash the body gives (the header's, with AllowInvalidHash), and
// a header that disagrees is reported as a problem of the file, as graphile-migrate rejects it.
// Across files, each `--! Previous:` must be the hash of the file before it in name order (the
// first's "-"), or graphile-migrate refuses every command: a broken link is a problem of the file.
#include <algorithm>

#include "sources/checksums.h"
#include "sources/source_scan.h"
#include "sources/source_tool.h"

namespace mexp {
namespace {

bool valid_name(std::string_view file) {
  if (!file.ends_with(".sql")) return false;
  file.remove_suffix(4);
  const auto digits = std::min(file.find_first_not_of("0123456789"), file.size());
  if (digits == 0) return false;
  const std::string_view message = file.substr(digits);
  return message.empty() ||
         (message.front() == '-' && std::all_of(message.begin(), message.end(), [](char c) {
            return c == '-' || c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                   (c >= '0' && c <= '9');
          }));
}

SourceName parse_graphile_migrate(std::string_view relative_path, const SourceNaming&) {
  std::string_view file = relative_path;
  if (file.starts_with("committed/")) file.remove_prefix(10);
  if (file.find('/') != std::string_view::npos || !valid_name(file)) return {};
  SourceMigration migration;
  const auto digits = file.find_first_not_of("0123456789");
  migration.version = std::string(file.substr(0, digits));
  migration.identity = migration.version + ".sql";
  const std::string_view message = file.substr(digits, file.size() - 4 - digits);
  if (!message.empty()) migration.description = std::string(message.substr(1));
  return {migration, ""};
}

// JavaScript's String.prototype.trim for the whitespace a migration holds (ASCII and the BOM).
std::string_view trim(std::string_view text) {
  constexpr std::string_view kSpace = " \t\n\r\v\f";
  constexpr std::string_view kBom = "\xEF\xBB\xBF";
  while (true) {
    const auto before = text.size();
    text.remove_prefix(std::min(text.find_first_not_of(kSpace), text.size()));
    if (text.starts_with(kBom)) text.remove_prefix(kBom.size());
    if (text.size() == before) break;
  }
  while (true) {
    const auto before = text.size();
    const auto last = text.find_last_not_of(kSpace);
    text = last == std::string_view::npos ? std::string_view() : text.substr(0, last + 1);
    if (text.ends_with(kBom)) text.remove_suffix(kBom.size());
    if (text.size() == before) break;
  }
  return text;
}

bool is_header_key(std::string_view key) {
  return !key.empty() && key.front() >= 'A' && key.front() <= 'Z' &&
         std::all_of(key.begin(), key.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_';
         });
}

SourceName read_graphile_migrate(std::string_view content, const SourceMigration& named) {
  std::vector<std::string_view> lines;
  for (std::size_t start = 0;;) {
    const auto end = content.find('\n', start);
    lines.push_back(content.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  // Headers: /^--! ([A-Z][a-zA-Z0-9_]*)(?::(.*))?$/, where '.' takes no '\r' (so a CRLF file has
  // none, as graphile-migrate finds).
  std::vector<std::pair<std::string_view, std::optional<std::string_view>>> headers;
  std::size_t header_lines = 0;
  for (const auto line : lines) {
    if (!line.starts_with("--! ") || line.find('\r') != std::string_view::npos) break;
    const std::string_view rest = line.substr(4);
    const auto colon = rest.find(':');
    if (!is_header_key(rest.substr(0, colon))) break;
    const auto duplicate = std::find_if(headers.begin(), headers.end(), [&](const auto& header) {
      return header.first == rest.substr(0, colon);
    });
    if (duplicate != headers.end())
      return {std::nullopt, "header '" + std::string(duplicate->first) + "' given twice"};
    headers.emplace_back(rest.substr(0, colon), colon == std::string_view::npos
                                                    ? std::nullopt
                                                    : std::optional(trim(rest.substr(colon + 1))));
    ++header_lines;
  }
  const auto header = [&](std::string_view key) -> std::optional<std::string_view> {
    for (const auto& [name, value] : headers)
      if (name == key) return value && !value->empty() ? value : std::nullopt;
    return std::nullopt;
  };
  const bool allow_invalid = std::any_of(headers.begin(), headers.end(), [](const auto& entry) {
    return entry.first == "AllowInvalidHash";
  });
  if (header_lines >= lines.size() || !lines[header_lines].empty()) {
    return {std::nullopt, header_lines < lines.size() && lines[header_lines] == "\r"
                              ? "CRLF line endings: graphile-migrate rejects the file"
                              : "no empty line after the headers: graphile-migrate rejects it"};
  }
  const auto previous = header("Previous");
  if (!previous) return {std::nullopt, "no `--! Previous:` header (CRLF line endings?)"};
  const auto declared = header("Hash");
  if (!declared) return {std::nullopt, "no `--! Hash:` header"};
  std::string body;
  for (std::size_t i = header_lines; i < lines.size(); ++i) {
    if (i > header_lines) body += '\n';
    body.append(lines[i]);
  }
  body = std::string(trim(body)) + "\n";
  const std::string chained =
      (*previous == "-" ? std::string() : std::string(*previous)) + "\n" + std::string(trim(body));
  const std::string hash = "sha1:" + sha1_hex(std::string(trim(chained)) + "\n");
  SourceName result{named, ""};
  // The hash this file says precedes it, for check_chain (none: the first migration).
  result.migration->parents.clear();
  if (*previous != "-") result.migration->parents.emplace_back(*previous);
  result.checksum = allow_invalid ? std::string(*declared) : hash;
  if (!allow_invalid && hash != *declared) {
    result.problem = "its --! Hash header is not the hash of its body (" + hash +
                     "): graphile-migrate refuses to run it";
  }
  return result;
}

// graphile-migrate links the committed files in name order before any command (getAllMigrations):
// each one's `--! Previous:` must be the hash of the file before it, and the first one's "-"; a
// broken link makes every command (status, migrate) fail. Only the files after a file already
// refused are left unchecked, since its hash is not known to be the one graphile-migrate reads.
void check_chain(std::vector<SourceFile>& files) {
  std::vector<SourceFile*> order;
  for (auto& file : files) order.push_back(&file);
  std::stable_sort(order.begin(), order.end(), [](const SourceFile* a, const SourceFile* b) {
    return a->migration.identity < b->migration.identity;
  });
  const SourceFile* before = nullptr;
  for (auto* file : order) {
    const std::string declared =
        file->migration.parents.empty() ? "-" : file->migration.parents.front();
    const bool unknown = before != nullptr && (!before->problem.empty() || !before->checksum);
    const std::string expected = before == nullptr ? "-" : before->checksum.value_or("");
    if (!unknown && file->problem.empty() && declared != expected) {
      file->problem = before == nullptr
                          ? "it is the first migration but its --! Previous header is " + declared +
                                ", not -: graphile-migrate refuses every command"
                          : "its --! Previous header is " + declared + ", not the hash of " +
                                before->path + " (" + expected +
                                "): graphile-migrate refuses every command";
    }
    before = file;
  }
}

const bool registered = register_source_tool({
    .name = "graphile-migrate",
    .checksum = SourceChecksum::none,
    .parse = parse_graphile_migrate,
    .read_content = read_graphile_migrate,
    .check_sequence = check_chain,
    .compare_versions = compare_as_text,
    .applied_sql = "SELECT 'apply', filename, ''::text, ''::text, filename, hash, true, "
                   "row_number() OVER (ORDER BY date, filename) FROM {table}",
});

}  // namespace
}  // namespace mexp
