// The history collector with the sources of Atlas, Alembic, Graphile Migrate and Confiture paired,
// against the real server: each tool's history table created as the tool creates it
// (docs: /work/shared/reference/migration-tools.md), and a directory with migrations applied,
// pending, applied whose file is gone and (for tools that record a hash) edited since they ran.
#include <gtest/gtest.h>

#include "tests/support/metrics_text.h"
#include "tests/support/source_dir_fixture.h"
#include "tests/support/test_pg.h"

using namespace mexp::test;

namespace {

class GraphSources : public SourceDirFixture {
 protected:
  // `path` is appended to the source directory as given.
  Samples collect_with(const std::string& tool, const std::string& ddl,
                       const std::vector<std::string>& rows, const std::string& qualified,
                       const std::string& path = "") {
    rows_ = rows;
    return collect_sources(tool, ddl, qualified, dir_ + path);
  }
};

}  // namespace

TEST_F(GraphSources, AtlasComparesTheChainedHashAndReadsPartialAppliesAsFailures) {
  // Hashes from `{ printf 1_a.sql; printf 'CREATE TABLE a (id int);\n'; ... } | sha256sum | xxd
  // -r -p | base64`: 1_a.sql alone, then with 2_b.sql as it was applied ("... b (id int);").
  const std::string a = "e72Wd39UNYY4sGrVkNYkCs4GRrWBQ0ASXh73rS+WpU4=";
  const std::string ab = "LYBzMWp8I1J0wb5WVXG/rhd1DXb0uUx/zp1eAIICVlY=";
  write("1_a.sql", "CREATE TABLE a (id int);\n");
  write("2_b.sql", "CREATE TABLE b (id bigint);\n");  // edited since, atlas.sum not rehashed
  write("4_pending.sql", "CREATE TABLE d (id int);\n");
  write("6_failed.sql", "CREATE TABLE f (id int);\nCREATE TABLE g (id int);\n");
  write("README.md", "not a migration\n");
  write("atlas.sum", "h1:suWOgEl4b8+ZGnGkyRcy2AueRtZKAkT6PdNTDiVWU88=\n1_a.sql h1:" + a +
                         "\n2_b.sql h1:" + ab + "\n");
  const auto row = [](const std::string& version, const std::string& type, int applied, int total,
                      const std::string& error, const std::string& hash) {
    return "INSERT INTO atlas_schema_revisions.atlas_schema_revisions (version, description, "
           "type, applied, total, executed_at, execution_time, error, hash, operator_version) "
           "VALUES ('" +
           version + "', 'd', " + type + ", " + std::to_string(applied) + ", " +
           std::to_string(total) + ", now(), 1000, " + error + ", '" + hash + "', 'Atlas CLI')";
  };
  const auto samples = collect_with(
      "atlas",
      "CREATE SCHEMA atlas_schema_revisions; CREATE TABLE "
      "atlas_schema_revisions.atlas_schema_revisions (version character varying NOT NULL "
      "PRIMARY KEY, description character varying NOT NULL, type bigint NOT NULL DEFAULT 2, "
      "applied bigint NOT NULL DEFAULT 0, total bigint NOT NULL DEFAULT 0, executed_at "
      "timestamptz NOT NULL, execution_time bigint NOT NULL, error text NULL, error_stmt text "
      "NULL, hash character varying NOT NULL, partial_hashes jsonb NULL, operator_version "
      "character varying NOT NULL)",
      {row(".atlas_cloud_identifier", "2", 0, 0, "NULL", ""), row("1", "2", 1, 1, "NULL", a),
       row("2", "2", 1, 1, "NULL", ab), row("3", "2", 1, 1, "NULL", "gone"),
       // --tx-mode none: the first statement ran, the second failed.
       row("6", "2", 1, 2, "'relation exists'", "x")},
      "atlas_schema_revisions.atlas_schema_revisions");
  const std::map<std::string, std::string> table = {
      {"tool", "atlas"}, {"schema", "atlas_schema_revisions"}, {"table", "atlas_schema_revisions"}};
  expect_state(samples, table, 4, {"4"}, {"3"}, {"2"});
  EXPECT_EQ(names(samples, "failed"), std::set<std::string>{"6"});
  EXPECT_EQ(samples.get("migration_unresolved_failures", table), 1);
  EXPECT_EQ(samples.get("migration_source_problem_files", table), 1);  // atlas.sum out of date
}

TEST_F(GraphSources, AlembicAppliesEveryAncestorOfTheRecordedHeads) {
  const auto script = [](const std::string& id, const std::string& down) {
    return "\"\"\"" + id + "\n\nRevision ID: " + id + "\n\"\"\"\nfrom alembic import op\n\n" +
           "# revision identifiers, used by Alembic.\nrevision: str = \"" + id + "\"\n" +
           "down_revision: Union[str, Sequence[str], None] = " + down +
           "\nbranch_labels = None\ndepends_on = None\n\n\ndef upgrade() -> None:\n    pass\n";
  };
  write("versions/1a2b3c4d5e6f_base.py", script("1a2b3c4d5e6f", "None"));
  write("versions/2b3c4d5e6f7a_left.py", script("2b3c4d5e6f7a", "'1a2b3c4d5e6f'"));
  write("versions/3c4d5e6f7a8b_right.py", script("3c4d5e6f7a8b", "'1a2b3c4d5e6f'"));
  write("versions/4d5e6f7a8b9c_merge.py",
        script("4d5e6f7a8b9c", "('2b3c4d5e6f7a', '3c4d5e6f7a8b')"));
  write("versions/5e6f7a8b9c0d_pending.py", script("5e6f7a8b9c0d", "'4d5e6f7a8b9c'"));
  write("versions/__init__.py", "");
  write("versions/broken.py", "# revision = 'x' is only a comment here\ndown_revision = None\n");
  write("env.py", "not in versions/\n");
  // The merge is the head, and a second head was stamped whose script was deleted.
  const auto samples = collect_with("alembic",
                                    "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT "
                                    "NULL, CONSTRAINT alembic_version_pkc PRIMARY KEY "
                                    "(version_num))",
                                    {"INSERT INTO alembic_version VALUES ('4d5e6f7a8b9c'), "
                                     "('9f9f9f9f9f9f')"},
                                    "public.alembic_version", "/versions");
  const std::map<std::string, std::string> table = {
      {"tool", "alembic"}, {"schema", "public"}, {"table", "alembic_version"}};
  expect_state(samples, table, 5, {"5e6f7a8b9c0d"}, {"9f9f9f9f9f9f"}, {});
  EXPECT_EQ(samples.get("migration_source_problem_files", table), 1);  // broken.py
  EXPECT_EQ(samples.get("migration_out_of_order", table), 0);
}

TEST_F(GraphSources, GraphileMigrateComparesTheRecordedHashWithTheBodys) {
  // `printf 'CREATE TABLE a (id int);\n' | sha1sum`, then each with the previous hash first.
  const std::string h1 = "sha1:4f45642ec931df92e13364b7a3d95eb876d756b7";
  const std::string h2 = "sha1:02f2af632917dd9ab6ba273a75df08457e8e4361";
  const std::string h3 = "sha1:7e4bf593d35ddacd6713c8c8e6369077d727fd52";
  const auto committed = [](const std::string& previous, const std::string& hash,
                            const std::string& body) {
    return "--! Previous: " + previous + "\n--! Hash: " + hash + "\n\n" + body;
  };
  write("committed/000001.sql", committed("-", h1, "CREATE TABLE a (id int);\n"));
  // Applied with "(id int)", edited since under the same header.
  write("committed/000002-b.sql", committed(h1, h2, "CREATE TABLE b (id bigint);\n"));
  write("committed/000004.sql", committed(h3, "sha1:0", "CREATE TABLE d (id int);\n"));
  write("current.sql", "-- work in progress\nCREATE TABLE wip (id int);\n");
  write("committed/000005.sql", "CREATE TABLE e (id int);\n");  // no headers: rejected
  const auto samples = collect_with(
      "graphile-migrate",
      "create schema if not exists graphile_migrate; create table if not exists "
      "graphile_migrate.migrations (hash text primary key, previous_hash text references "
      "graphile_migrate.migrations, filename text not null, date timestamptz not null default "
      "now())",
      {"insert into graphile_migrate.migrations(hash, previous_hash, filename) values ('" + h1 +
       "', null, '000001.sql'), ('" + h2 + "', '" + h1 + "', '000002.sql'), ('" + h3 + "', '" + h2 +
       "', '000003.sql')"},
      "graphile_migrate.migrations");
  const std::map<std::string, std::string> table = {
      {"tool", "graphile-migrate"}, {"schema", "graphile_migrate"}, {"table", "migrations"}};
  expect_state(samples, table, 3, {"000004.sql"}, {"000003.sql"}, {"000002.sql"});
  // 000002's header no longer matches its body, 000004's hash is wrong, 000005 has no headers.
  EXPECT_EQ(samples.get("migration_source_problem_files", table), 3);
}

TEST_F(GraphSources, ConfitureComparesVersionsAndSha256) {
  // `printf 'CREATE TABLE a (id int);\n' | sha256sum`, and c's as it was applied.
  const std::string a = "c2de7559380e5ebf65caa7d59e166558e80243cf7e70006cc98d1593d94203c1";
  const std::string c = "287c713ffe4eb4330954df3b71df956ed9fbe5ccbb4a0b50963a9a0af7584118";
  write("001_a.up.sql", "CREATE TABLE a (id int);\n");
  write("001_a.down.sql", "DROP TABLE a;\n");
  write("003_edited.up.sql", "CREATE TABLE c (id bigint);\n");
  write("004_pending.py", "class Pending: pass\n");
  write("005_marked.up.sql", "CREATE TABLE e (id int);\n");
  write("006_orphan.sql", "SELECT 6;\n");
  write("__init__.py", "");
  const auto row = [](const std::string& version, const std::string& checksum) {
    return "INSERT INTO tb_confiture (slug, version, name, execution_time_ms, checksum) VALUES "
           "('m_" +
           version + "_20260101_000000', '" + version + "', 'm', 3, " + checksum + ")";
  };
  const auto samples = collect_with(
      "confiture",
      "CREATE TABLE tb_confiture (id UUID PRIMARY KEY DEFAULT gen_random_uuid(), pk_confiture "
      "BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE, slug TEXT NOT NULL UNIQUE, version "
      "VARCHAR(255) NOT NULL UNIQUE, name VARCHAR(255) NOT NULL, applied_at TIMESTAMPTZ NOT "
      "NULL DEFAULT NOW(), execution_time_ms INTEGER, checksum VARCHAR(64), applied_by TEXT)",
      {row("001", "'" + a + "'"), row("002", "'" + a + "'"), row("003", "'" + c + "'"),
       row("005", "NULL")},
      "public.tb_confiture");
  const std::map<std::string, std::string> table = {
      {"tool", "confiture"}, {"schema", "public"}, {"table", "tb_confiture"}};
  expect_state(samples, table, 4, {"004"}, {"002"}, {"003"});
  EXPECT_EQ(samples.get("migration_source_problem_files", table), 1);  // 006_orphan.sql
}
