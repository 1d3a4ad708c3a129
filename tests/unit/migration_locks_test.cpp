// The lock keys of the migration tools, checked against the worked examples in
// shared/reference/migration-tools.md (each taken from the tool's own source).
#include "collectors/migration_locks.h"

#include <gtest/gtest.h>

TEST(MigrationLockKeys, FlywayKeyIsMagicPlusJavaHashCodeOfTheQuotedName) {
  EXPECT_EQ(mexp::java_string_hash("\"public\".\"flyway_schema_history\""), 2125624436);
  EXPECT_EQ(mexp::flyway_lock_key("public", "flyway_schema_history"), 77433833903597);
  const auto lock = mexp::bigint_advisory_lock(77433833903597);
  EXPECT_EQ(lock.classid, 18028u);
  EXPECT_EQ(lock.objid, 4163491309u);
  EXPECT_EQ(lock.objsubid, 1);
}

TEST(MigrationLockKeys, JavaHashCodeWrapsLikeJavaAndHashesUtf16Units) {
  EXPECT_EQ(mexp::java_string_hash(""), 0);
  EXPECT_EQ(mexp::java_string_hash("a"), 97);
  // Java: "polygenelubricants".hashCode() == Integer.MIN_VALUE
  EXPECT_EQ(mexp::java_string_hash("polygenelubricants"), -2147483648);
  // "é" is one UTF-16 unit (0xE9); "😀" is the surrogate pair D83D DE00.
  EXPECT_EQ(mexp::java_string_hash("\xC3\xA9"), 0xE9);
  EXPECT_EQ(mexp::java_string_hash("\xF0\x9F\x98\x80"), 0xD83D * 31 + 0xDE00);
}

TEST(MigrationLockKeys, FlywayQuotesEmbeddedQuotes) {
  EXPECT_EQ(mexp::flyway_lock_key("we\"ird", "t"),
            0x466C79776179 + mexp::java_string_hash("\"we\"\"ird\".\"t\""));
}

TEST(MigrationLockKeys, RailsKeyIsSaltTimesCrc32OfTheDatabase) {
  EXPECT_EQ(mexp::rails_lock_key("postgres"), 737815420147457505);
}

TEST(MigrationLockKeys, GolangMigrateKeyHashesSchemaTableAndDatabase) {
  EXPECT_EQ(mexp::golang_migrate_lock_key("public", "schema_migrations", "/postgres"), 3280485947);
  EXPECT_EQ(mexp::golang_migrate_lock_key("public", "schema_migrations", "postgres"), 143310882);
}

TEST(MigrationLockKeys, TwoIntKeysShowAsObjsubid2) {
  const auto lock = mexp::int_pair_advisory_lock(1751936052, 692237180);
  EXPECT_EQ(mexp::to_string(lock), "1751936052:692237180:2");
}

TEST(MigrationLockKeys, EveryToolInTheReferenceWithALockIsDescribed) {
  for (const char* tool :
       {"flyway", "golang-migrate", "rails", "confiture", "prisma", "sqitch", "node-pg-migrate",
        "graphile-migrate", "atlas", "goose", "liquibase", "knex", "efcore"}) {
    EXPECT_NE(mexp::find_tool_lock(tool), nullptr) << tool;
  }
}
