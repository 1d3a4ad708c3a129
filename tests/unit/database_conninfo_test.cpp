// conninfo_for_database keeps every setting of the target's conninfo and changes only the database.
#include "core/database_conninfo.h"

#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <map>

namespace {
std::map<std::string, std::string> parsed(const std::string& conninfo) {
  std::map<std::string, std::string> fields;
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &error);
  EXPECT_NE(options, nullptr) << (error != nullptr ? error : "");
  if (error != nullptr) PQfreemem(error);
  for (auto* option = options; option != nullptr && option->keyword != nullptr; ++option) {
    if (option->val != nullptr && option->val[0] != '\0') fields[option->keyword] = option->val;
  }
  PQconninfoFree(options);
  return fields;
}
}  // namespace

TEST(ConninfoForDatabase, ReplacesTheDatabaseOfAKeyValueString) {
  const auto fields = parsed(mexp::conninfo_for_database(
      "host=db.internal port=6432 dbname=app user=monitor sslmode=require", "billing"));
  EXPECT_EQ(fields.at("dbname"), "billing");
  EXPECT_EQ(fields.at("host"), "db.internal");
  EXPECT_EQ(fields.at("port"), "6432");
  EXPECT_EQ(fields.at("user"), "monitor");
  EXPECT_EQ(fields.at("sslmode"), "require");
}

TEST(ConninfoForDatabase, TurnsAUriIntoKeyValuesAndQuotesAwkwardValues) {
  const auto fields = parsed(mexp::conninfo_for_database(
      "postgresql://mon:it's%20secret@10.0.0.5:5433/app?application_name=x", "we'ird db\\"));
  EXPECT_EQ(fields.at("dbname"), "we'ird db\\");
  EXPECT_EQ(fields.at("password"), "it's secret");
  EXPECT_EQ(fields.at("host"), "10.0.0.5");
  EXPECT_EQ(fields.at("port"), "5433");
  EXPECT_EQ(fields.at("application_name"), "x");
}

TEST(ConninfoForDatabase, EmptyOrBareNameLeavesTheRestToTheEnvironment) {
  EXPECT_EQ(mexp::conninfo_for_database("", "billing"), "dbname='billing'");
  EXPECT_EQ(mexp::conninfo_for_database("app", "billing"), "dbname='billing'");
}

TEST(ConninfoForDatabase, AnUnparsableConninfoThrowsWithoutQuotingIt) {
  try {
    mexp::conninfo_for_database("host='unterminated password=hunter2", "billing");
    FAIL() << "expected an error";
  } catch (const std::invalid_argument& error) {
    EXPECT_EQ(std::string(error.what()).find("hunter2"), std::string::npos);
  }
}
