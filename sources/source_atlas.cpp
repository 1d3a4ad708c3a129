// Atlas's migration directory, read as Atlas's LocalDir reads it (ariga/atlas sql/migrate/dir.go):
// every `*.sql` file directly in the directory is a migration, sorted by name; its version is the
// name up to the first '_' (without `.sql`), its description the rest, and versions compare as
// text.
//
// The hash Atlas stores in atlas_schema_revisions.hash is the file's line of atlas.sum without
// "h1:", as Executor.Execute takes it from dir.Checksum(): NewHashFile feeds one running SHA-256
// with each file's name and then its content, in name order, and writes the digest so far (base64)
// after each file. A file's hash therefore covers every file before it: an edit of one applied file
// also changes the hash of every file after it, and so does a file added before them. A file whose
// first line is an `atlas:sum ignore` directive adds only its name and gets no hash. atlas.sum's
// first line is the SHA-256 over every (name, hash) pair; Atlas refuses a directory whose atlas.sum
// is missing or does not match its files, which is reported as a problem of the source.
#include <openssl/evp.h>

#include <algorithm>
#include <memory>

#include "collectors/history_tools.h"
#include "sources/source_tool.h"

namespace mexp {
namespace {

SourceName parse_atlas(std::string_view relative_path, const SourceNaming&) {
  if (relative_path.find('/') != std::string_view::npos || !relative_path.ends_with(".sql"))
    return {};  // Atlas globs *.sql in the directory itself
  const std::string_view stem = relative_path.substr(0, relative_path.size() - 4);
  const auto underscore = stem.find('_');
  SourceMigration migration;
  migration.version = std::string(stem.substr(0, underscore));
  migration.identity = migration.version;
  if (underscore != std::string_view::npos)
    migration.description = std::string(stem.substr(underscore + 1));
  return {migration, ""};
}

bool is_word(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// Atlas's directive() for "sum": `^([ -~]*)atlas:(\w+)(?: +(.+))*` on the content, so only the
// first line counts, the prefix must be printable ASCII, the greedy prefix takes the last
// "atlas:<word>" of it, and the argument is the rest of the line after the spaces ('\r' included).
bool sum_ignored(std::string_view content) {
  std::string_view line = content.substr(0, content.find('\n'));
  const auto printable = std::find_if(line.begin(), line.end(), [](char c) {
    return static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e;
  });
  const std::string_view prefix =
      line.substr(0, static_cast<std::size_t>(printable - line.begin()));
  for (auto at = prefix.rfind("atlas:"); at != std::string_view::npos;
       at = at == 0 ? std::string_view::npos : prefix.rfind("atlas:", at - 1)) {
    const std::size_t word = at + 6;
    std::size_t end = word;
    while (end < line.size() && is_word(line[end])) ++end;
    if (end == word) continue;  // no \w+ here: the greedy prefix backs off to an earlier one
    if (line.substr(word, end - word) != "sum") return false;
    const auto argument = line.find_first_not_of(' ', end);
    return argument != end && argument != std::string_view::npos &&
           line.substr(argument) == "ignore";
  }
  return false;
}

std::string base64(const unsigned char* bytes, unsigned int length) {
  std::string text(4 * ((length + 2) / 3) + 1, '\0');
  const int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(text.data()), bytes,
                                      static_cast<int>(length));
  text.resize(written > 0 ? static_cast<std::size_t>(written) : 0);
  return text;
}

using Context = std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)>;

// The digest so far, leaving the running context as it is.
std::string digest_so_far(const Context& running) {
  Context copy(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (!copy || EVP_MD_CTX_copy_ex(copy.get(), running.get()) != 1 ||
      EVP_DigestFinal_ex(copy.get(), digest, &length) != 1)
    return "";
  return base64(digest, length);
}

struct SumLine {
  std::string name, hash;
  bool operator==(const SumLine&) const = default;
};

std::string total_sum(const std::vector<SumLine>& lines) {
  Context sha(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  EVP_DigestInit_ex(sha.get(), EVP_sha256(), nullptr);
  for (const auto& line : lines) {
    EVP_DigestUpdate(sha.get(), line.name.data(), line.name.size());
    EVP_DigestUpdate(sha.get(), line.hash.data(), line.hash.size());
  }
  return digest_so_far(sha);
}

std::string trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n\v\f");
  if (first == std::string_view::npos) return "";
  return std::string(text.substr(first, text.find_last_not_of(" \t\r\n\v\f") - first + 1));
}

// atlas.sum against the directory, as Atlas's Validate words it; "" when they agree.
std::string validate_sum(const std::vector<SumLine>& computed, const std::string& sum_file) {
  std::vector<std::string> lines;
  for (std::size_t start = 0; start < sum_file.size();) {
    auto end = sum_file.find('\n', start);
    if (end == std::string::npos) end = sum_file.size();
    std::string line = sum_file.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();  // as bufio.ScanLines drops it
    lines.push_back(std::move(line));
    start = end + 1;
  }
  if (lines.empty()) lines.emplace_back();
  std::string total = lines[0].starts_with("h1:") ? lines[0].substr(3) : lines[0];
  std::vector<SumLine> recorded;
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const auto marker = lines[i].find("h1:");
    if (marker == std::string::npos)
      return "atlas.sum is not in Atlas's format (line " + std::to_string(i + 1) + ")";
    recorded.push_back({trim(lines[i].substr(0, marker)), lines[i].substr(marker + 3)});
  }
  if (total != total_sum(recorded)) return "atlas.sum is corrupt: its first line does not match it";
  if (total_sum(recorded) == total_sum(computed)) return "";
  for (std::size_t i = 0; i <= recorded.size(); ++i) {
    if (i < recorded.size() && i < computed.size() && recorded[i] == computed[i]) continue;
    std::string file, reason;
    if (i == recorded.size()) {
      file = i < computed.size() ? computed[i].name : "";
      reason = "added";
    } else {
      const auto now = std::find_if(computed.begin(), computed.end(), [&](const SumLine& line) {
        return line.name == recorded[i].name;
      });
      file = recorded[i].name;
      if (now == computed.end()) {
        reason = "removed";
      } else if (now - computed.begin() == static_cast<std::ptrdiff_t>(i)) {
        reason = "edited";
      } else {
        file = computed[i].name;
        reason = "added";
      }
    }
    return "atlas.sum does not match the directory (" + file + " " + reason +
           "; run atlas migrate hash): atlas migrate apply refuses it";
  }
  return "";
}

ChainedChecksums atlas_checksums(const std::vector<SourceContent>& files,
                                 const std::optional<std::string>& sum_file) {
  ChainedChecksums result;
  Context running(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  EVP_DigestInit_ex(running.get(), EVP_sha256(), nullptr);
  std::vector<SumLine> computed;
  for (const auto& file : files) {
    EVP_DigestUpdate(running.get(), file.path.data(), file.path.size());
    if (sum_ignored(file.content)) {
      result.checksums.emplace_back(std::nullopt);
      continue;
    }
    EVP_DigestUpdate(running.get(), file.content.data(), file.content.size());
    computed.push_back({file.path, digest_so_far(running)});
    result.checksums.emplace_back(computed.back().hash);
  }
  if (!sum_file) {
    if (!files.empty())
      result.problems.push_back("atlas.sum missing: atlas migrate apply refuses the directory");
  } else if (auto problem = validate_sum(computed, *sum_file); !problem.empty()) {
    result.problems.push_back(std::move(problem));
  }
  return result;
}

// As the history collector reads the table: a row with an error, or fewer statements applied than
// the file has while Atlas's lock is free, is a failed (partial) apply; the same row while the lock
// is held is the migration running now (pending until it finishes). Type 1 (baseline) marks every
// version up to it; `migrate set` (type 4) rows and executed ones are applies. The row Atlas keeps
// its revisions-table identifier in is no migration.
const std::string kFailed = "(error IS NOT NULL OR (applied < total AND NOT " +
                            history_advisory_lock_held_sql(2686470616) + "))";

const bool registered = register_source_tool({
    .name = "atlas",
    .checksum = SourceChecksum::chained,
    .parse = parse_atlas,
    .integrity_file = "atlas.sum",
    .chain_checksums = atlas_checksums,
    .compare_versions = compare_as_text,
    .applied_sql = "SELECT CASE WHEN version = '.atlas_cloud_identifier' THEN 'marker' "
                   "WHEN type & 2 = 0 AND type & 1 = 1 THEN 'baseline' WHEN NOT " +
                   kFailed +
                   " AND applied < total THEN 'marker' ELSE 'apply' END, version::text, "
                   "description::text, type::text, ''::text, NULLIF(hash, ''), NOT " +
                   kFailed + ", row_number() OVER (ORDER BY executed_at, version) FROM {table}",
    .duplicate_files = DuplicateFiles::last_wins,
});

}  // namespace
}  // namespace mexp
