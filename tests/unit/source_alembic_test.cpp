// Alembic's source reader: which files of versions/ are revision scripts, the `revision`,
// `down_revision` and `depends_on` assignments read from their text (as `alembic revision` and
// hand-edited scripts write them), and the applied set a history of heads implies.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "sources/comparison.h"
#include "sources/source_scan.h"
#include "sources/source_tool.h"

namespace {

const mexp::SourceTool& alembic() {
  const auto* tool = mexp::find_source_tool("alembic");
  if (tool == nullptr) throw std::runtime_error("alembic source tool not registered");
  return *tool;
}

mexp::SourceName read(const std::string& file, const std::string& content) {
  const auto named = alembic().parse(file, {});
  if (!named.migration) throw std::runtime_error(file + " is not a revision script");
  return alembic().read_content(content, *named.migration);
}

mexp::SourceMigration revision(const std::string& content) {
  const auto read_back = read("x.py", content);
  if (!read_back.migration) throw std::runtime_error("unreadable: " + read_back.malformed);
  return *read_back.migration;
}

mexp::SourceFile file_of(const std::string& id, std::vector<std::string> parents) {
  mexp::SourceFile file;
  file.path = id + "_x.py";
  file.migration.identity = id;
  file.migration.parents = std::move(parents);
  return file;
}

mexp::AppliedMigration head(const std::string& id) {
  return {"apply", id, "", "", "", std::nullopt, true, 1};
}

}  // namespace

TEST(AlembicFiles, PyFilesOfTheDirectoryAreRevisionScripts) {
  EXPECT_TRUE(alembic().parse("1975ea83b712_create_account_table.py", {}).migration);
  for (const char* ignored : {"__init__.py", "__init__.pyc", "README", "env.py.bak",
                              "sub/1975ea83b712_x.py", "notes.txt"}) {
    const auto parsed = alembic().parse(ignored, {});
    EXPECT_FALSE(parsed.migration) << ignored;
    EXPECT_TRUE(parsed.malformed.empty()) << ignored;
  }
}

TEST(AlembicFiles, TheTemplateOfAlembic18IsRead) {
  const auto migration = revision(
      "\"\"\"create account table\n\nRevision ID: 1975ea83b712\nRevises: \nCreate Date: "
      "2011-11-08 11:40:27.089406\n\n\"\"\"\nfrom alembic import op\nimport sqlalchemy as sa\n\n"
      "# revision identifiers, used by Alembic.\nrevision = '1975ea83b712'\n"
      "down_revision = None\nbranch_labels = None\ndepends_on = None\n\n\ndef upgrade():\n"
      "    pass\n");
  EXPECT_EQ(migration.identity, "1975ea83b712");
  EXPECT_TRUE(migration.parents.empty());
}

TEST(AlembicFiles, AnnotatedAssignmentsTuplesAndCommentsAreRead) {
  // Alembic 1.11's template: annotations with Union[...] (commas and brackets before the '=').
  auto migration = revision(
      "revision: str = \"ae1027a6acf\"  # the id\n"
      "down_revision: Union[str, Sequence[str], None] = (\n"
      "    \"27c6a30d7c24\",  # main\n"
      "    '3cac04ae8714',\n"
      ")\n"
      "depends_on: Union[str, Sequence[str], None] = ['55af2cb1c267']\n");
  EXPECT_EQ(migration.identity, "ae1027a6acf");
  EXPECT_EQ(migration.parents,
            (std::vector<std::string>{"27c6a30d7c24", "3cac04ae8714", "55af2cb1c267"}));
  // A docstring mentioning `revision = ...`, an indented assignment, and a later assignment.
  migration = revision(
      "\"\"\"\nrevision = 'not-this'\n\"\"\"\nrevision = 'first'\ndef f():\n"
      "    revision = 'nor-this'\ndown_revision = \\\n    'abc'\nrevision = 'last'\n");
  EXPECT_EQ(migration.identity, "last");
  EXPECT_EQ(migration.parents, std::vector<std::string>{"abc"});
}

TEST(AlembicFiles, AScriptWhoseRevisionCannotBeReadIsRejected) {
  for (const char* bad : {"down_revision = None\n", "revision = make_id()\n", "revision = ''\n",
                          "revision = ('a', 'b')\n", "revision = 'a'\ndown_revision = base\n",
                          "revision = 'unterminated\n"}) {
    const auto read_back = read("x.py", bad);
    EXPECT_FALSE(read_back.migration) << bad;
    EXPECT_FALSE(read_back.malformed.empty()) << bad;
  }
  // Legacy scripts without `revision` take the id from a hex file name, as Alembic does.
  const auto legacy = read("4a5b6c.py", "down_revision = None\n");
  ASSERT_TRUE(legacy.migration);
  EXPECT_EQ(legacy.migration->identity, "4a5b6c");
}

TEST(AlembicGraph, EveryAncestorOfARecordedHeadIsApplied) {
  // base -> a -> b -> merge(b, c) ; base -> c ; d follows merge (pending); e depends on c.
  mexp::SourceSnapshot sources;
  sources.up = true;
  sources.files = {file_of("base", {}),     file_of("a", {"base"}),       file_of("b", {"a"}),
                   file_of("c", {"base"}),  file_of("merge", {"b", "c"}), file_of("d", {"merge"}),
                   file_of("e", {"a", "c"})};
  auto result = mexp::compare_migrations(alembic(), sources, {head("merge")});
  EXPECT_EQ(result.pending, (std::vector<std::string>{"d", "e"}));
  EXPECT_TRUE(result.missing_source.empty());
  EXPECT_TRUE(result.future.empty());
  EXPECT_TRUE(result.out_of_order.empty());
  EXPECT_EQ(result.newest_source_version, std::nullopt);
  // Two heads (a branch not merged yet); one of them has no script: missing.
  result = mexp::compare_migrations(alembic(), sources, {head("b"), head("gone")});
  EXPECT_EQ(result.pending, (std::vector<std::string>{"c", "d", "e", "merge"}));
  EXPECT_EQ(result.missing_source, std::vector<std::string>{"gone"});
  // A script whose parent has no file: the parent counts as applied and missing.
  sources.files.push_back(file_of("f", {"deleted"}));
  result = mexp::compare_migrations(alembic(), sources, {head("f")});
  EXPECT_EQ(result.missing_source, std::vector<std::string>{"deleted"});
  // Nothing recorded: everything pending.
  result = mexp::compare_migrations(alembic(), sources, {});
  EXPECT_EQ(result.pending.size(), 8U);
}

TEST(AlembicGraph, ADependencyByBranchLabelResolvesToTheLabelledRevision) {
  // As the real Alembic 1.8 recorded it (tests/checks/e2e_history_tools_debian.sh): e5 follows b2
  // and depends_on "reports", the label d4 declares; after `alembic upgrade e5` alembic_version
  // holds only e5, and d4 counts as applied, no "reports" script missing.
  const auto d4 = revision(
      "revision = \"d4\"\ndown_revision = \"a1\"\nbranch_labels = (\"reports\",)\n"
      "depends_on = None\n");
  EXPECT_EQ(d4.aliases, std::vector<std::string>{"reports"});
  const auto e5 = revision(
      "revision = \"e5\"\ndown_revision = \"b2\"\nbranch_labels = None\n"
      "depends_on = \"reports\"\n");
  EXPECT_TRUE(e5.aliases.empty());
  mexp::SourceSnapshot sources;
  sources.up = true;
  sources.files = {file_of("a1", {}), file_of("b2", {"a1"}), file_of("c3", {"b2"}),
                   file_of("d4", {"a1"}), file_of("e5", e5.parents)};
  sources.files[3].migration.aliases = d4.aliases;
  auto result = mexp::compare_migrations(alembic(), sources, {head("e5")});
  EXPECT_EQ(result.pending, std::vector<std::string>{"c3"});
  EXPECT_TRUE(result.missing_source.empty());
  // A label no script declares stays a reference to nothing: missing, as before.
  sources.files[3].migration.aliases.clear();
  result = mexp::compare_migrations(alembic(), sources, {head("e5")});
  EXPECT_EQ(result.missing_source, std::vector<std::string>{"reports"});
  // A non-literal branch_labels does not reject the script (Alembic loads it).
  EXPECT_EQ(revision("revision = 'x'\nbranch_labels = LABELS\n").identity, "x");
}

TEST(AlembicScan, ScriptsAreReadOnceUntilTheyChange) {
  char pattern[] = "/tmp/me_alembic_scan_XXXXXX";
  ASSERT_NE(::mkdtemp(pattern), nullptr);
  const std::filesystem::path dir = pattern;
  const auto write = [&](const std::string& name, const std::string& content) {
    std::ofstream(dir / name, std::ios::binary) << content;
  };
  write("a1_base.py", "revision = 'a1'\ndown_revision = None\n");
  write("b2_next.py", "revision = 'b2'\ndown_revision = 'a1'\n");
  write("broken.py", "down_revision = None\n");
  mexp::SourceScanner scanner;
  auto snapshot = scanner.scan(dir.string(), alembic(), {});
  ASSERT_TRUE(snapshot.up) << snapshot.error;
  ASSERT_EQ(snapshot.files.size(), 2U);
  EXPECT_EQ(snapshot.files[1].migration.identity, "b2");
  EXPECT_EQ(snapshot.files[1].migration.parents, std::vector<std::string>{"a1"});
  ASSERT_EQ(snapshot.malformed.size(), 1U);
  EXPECT_EQ(snapshot.malformed[0].first, "broken.py");
  EXPECT_EQ(snapshot.files_hashed, 3U);
  // Unchanged: nothing read, the same migrations and the same rejection from the cache.
  snapshot = scanner.scan(dir.string(), alembic(), {});
  EXPECT_EQ(snapshot.files_hashed, 0U);
  ASSERT_EQ(snapshot.files.size(), 2U);
  EXPECT_EQ(snapshot.files[1].migration.parents, std::vector<std::string>{"a1"});
  EXPECT_EQ(snapshot.malformed.size(), 1U);
  std::filesystem::remove_all(dir);
}

TEST(AlembicScan, TwoScriptsOfOneRevisionAreReportedAndTheLastIsUsed) {
  // Alembic warns "Revision a1 is present more than once" and its revision map keeps the script
  // loaded last (files in name order), so that one's parents are the graph's.
  char pattern[] = "/tmp/me_alembic_dup_XXXXXX";
  ASSERT_NE(::mkdtemp(pattern), nullptr);
  const std::filesystem::path dir = pattern;
  const auto write = [&](const std::string& name, const std::string& content) {
    std::ofstream(dir / name, std::ios::binary) << content;
  };
  write("a1_base.py", "revision = 'a1'\ndown_revision = None\n");
  write("b2_next.py", "revision = 'b2'\ndown_revision = 'a1'\n");
  write("z_copy.py", "revision = 'a1'\ndown_revision = None\ndepends_on = 'c3'\n");
  mexp::SourceScanner scanner;
  const auto snapshot = scanner.scan(dir.string(), alembic(), {});
  ASSERT_TRUE(snapshot.up) << snapshot.error;
  ASSERT_EQ(snapshot.files.size(), 2U);
  EXPECT_EQ(snapshot.files[1].path, "z_copy.py");
  EXPECT_EQ(snapshot.files[1].migration.identity, "a1");
  EXPECT_EQ(snapshot.files[1].migration.parents, std::vector<std::string>{"c3"});
  ASSERT_EQ(snapshot.malformed.size(), 1U);
  EXPECT_EQ(snapshot.malformed[0].first, "a1_base.py");
  EXPECT_NE(snapshot.malformed[0].second.find("z_copy.py"), std::string::npos);
  std::filesystem::remove_all(dir);
}
