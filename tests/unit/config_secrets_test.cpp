// Configuration mistakes that carry secrets, and values that only fail at runtime: every one is
// rejected when the configuration loads (so --check-config and a reload catch it), and no message
// quotes the text around the mistake.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "core/conninfo_check.h"
#include "core/pg_session.h"
#include "exporter/config.h"
#include "exporter/environment_expansion.h"

namespace {

class TempFile {
 public:
  explicit TempFile(const std::string& text) {
    path_ = std::filesystem::temp_directory_path() /
            ("me-secrets-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    std::ofstream(path_) << text;
  }
  ~TempFile() { std::filesystem::remove(path_); }
  std::string path() const { return path_.string(); }

 private:
  static inline int counter_ = 0;
  std::filesystem::path path_;
};

// Every error of loading `toml`, as one string; the load must fail.
std::string rejection_of(const std::string& toml) {
  TempFile file(toml);
  mexp::ConfigErrors errors;
  EXPECT_FALSE(mexp::load_config({file.path(), std::chrono::seconds(15)}, errors));
  return errors.joined();
}

}  // namespace

TEST(ConninfoProblem, AnUnescapedPercentInAUriPasswordIsNamedNotQuoted) {
  const auto problem = mexp::conninfo_problem("postgresql://u:S3cr3t%zz9@host/db");
  ASSERT_TRUE(problem);
  EXPECT_EQ(*problem,
            "a '%' in the URI is not followed by two hex digits (write a literal '%' as %25)");
  for (const char* bad :
       {"host='unterminated password=S3cr3t", "password S3cr3t host=x",
        "postgresql://u:S3cr3t@[::1/db", "postgresql://h/db?S3cr3t", "postgresql://h/db?a=b=S3cr3t",
        "S3cr3t=1 host=x", "postgresql://u:S3cr3t/x@h/db", "postgresql://u:123/S3cr3t@h/db",
        "postgresql://h/db password=S3cr3t"}) {
    const auto described = mexp::conninfo_problem(bad);
    ASSERT_TRUE(described) << bad;
    EXPECT_EQ(described->find("S3cr3t"), std::string::npos) << *described;
  }
  EXPECT_FALSE(mexp::conninfo_problem(""));
  EXPECT_FALSE(mexp::conninfo_problem("orders"));
  EXPECT_FALSE(mexp::conninfo_problem("postgresql://u:p%25x@h1:5432,h2:5433/db"));
}

// Found by the dsn fuzzer: libpq reads "host= password=x" as the host "password=x", which the
// exporter would then show in its logs and target names.
TEST(ConninfoProblem, AnEmptyValueThatWouldSwallowThePasswordIsRefusedWithoutQuotingIt) {
  for (const char* bad : {" host= password=S3cr3t", "host=h user= password=S3cr3t",
                          "dbname=\t password=S3cr3t port=5432"}) {
    const auto problem = mexp::conninfo_problem(bad);
    ASSERT_TRUE(problem) << bad;
    EXPECT_EQ(problem->find("S3cr3t"), std::string::npos) << *problem;
    EXPECT_NE(problem->find("is empty"), std::string::npos) << *problem;
    EXPECT_EQ(mexp::describe_conninfo(bad), "(a DSN that cannot be parsed)");
  }
  EXPECT_EQ(*mexp::conninfo_problem("host= password=S3cr3t"),
            "the value of host is empty and libpq would read the next setting as its value (write "
            "an empty value as host='')");
  // Quoted empty values, and '=' inside a value that is not a setting, still parse.
  EXPECT_FALSE(mexp::conninfo_problem("host='' password=S3cr3t"));
  EXPECT_FALSE(mexp::conninfo_problem("host=h options='-c search_path=app' password=S3cr3t"));
  EXPECT_FALSE(mexp::conninfo_problem("host=h password=user=S3cr3t"));
}

TEST(ConninfoProblem, AnUnparsableDsnIsDescribedAsSuchNotAsLibpqDefaults) {
  const auto description = mexp::describe_conninfo("postgresql://u:S3cr3t%zz9@db.internal/db");
  EXPECT_EQ(description, "(a DSN that cannot be parsed)");
}

TEST(ConninfoProblem, ConnectingWithAnUnparsableDsnNeverEchoesIt) {
  mexp::SessionSettings settings;
  settings.conninfo = "postgresql://u:S3cr3t%zz9@127.0.0.1:1/db";
  mexp::PgSession session(settings);
  try {
    session.connect();
    FAIL() << "connected with an unparsable DSN";
  } catch (const mexp::PgError& error) {
    EXPECT_EQ(std::string(error.what()).find("S3cr3t"), std::string::npos) << error.what();
  }
}

TEST(ConfigSecrets, AnUnparsableDsnIsRejectedAtLoadWithoutItsText) {
  const auto errors = rejection_of(R"([[targets]]
name = "a"
dsn = "postgresql://u:S3cr3t%zz9@host/db"
)");
  EXPECT_NE(errors.find("3:7: key 'targets[0].dsn': the DSN cannot be parsed: a '%' in the URI"),
            std::string::npos)
      << errors;
  EXPECT_EQ(errors.find("S3cr3t"), std::string::npos) << errors;
}

TEST(ConfigSecrets, AnUnparsableDataSourceNameIsRejectedWithoutItsText) {
  ::setenv("DATA_SOURCE_NAME", "postgresql://u:S3cr3t%zz9@host/db", 1);
  mexp::ConfigErrors errors;
  const auto config = mexp::load_config({"", std::chrono::seconds(15)}, errors);
  ::unsetenv("DATA_SOURCE_NAME");
  EXPECT_FALSE(config);
  EXPECT_EQ(errors.joined(),
            "<environment>: key 'DATA_SOURCE_NAME': the DSN cannot be parsed: a '%' in the URI is "
            "not followed by two hex digits (write a literal '%' as %25)\n");
}

TEST(ConfigSecrets, AStrayDollarBraceNamesTheKeyNeverTheTextAfterIt) {
  std::string problem;
  EXPECT_FALSE(mexp::expand_environment("host=db password=Pa${S3cr3tRest", problem));
  EXPECT_EQ(problem,
            "the ${...} reference number 1 has no closing '}' (write a literal '$' as '$$')");
  EXPECT_FALSE(mexp::expand_environment("password=Pa${S3cr3t Rest} host=db", problem));
  EXPECT_EQ(problem.find("S3cr3t"), std::string::npos) << problem;
  EXPECT_FALSE(mexp::expand_environment("password=Pa${S3cr3tRest}", problem));
  EXPECT_EQ(problem.find("S3cr3t"), std::string::npos) << problem;
  const auto errors = rejection_of(R"([[targets]]
name = "a"
dsn = "host=db password=Pa${S3cr3tRest"
)");
  EXPECT_NE(errors.find("key 'targets[0].dsn': the ${...} reference number 1 has no closing '}'"),
            std::string::npos)
      << errors;
  EXPECT_EQ(errors.find("S3cr3t"), std::string::npos) << errors;
}

TEST(ConfigSecrets, AnEmptyFileIsRefused) {
  for (const char* empty : {"", "\n\n", "# only a comment\n"}) {
    const auto errors = rejection_of(empty);
    EXPECT_NE(errors.find("the file holds no settings"), std::string::npos) << errors;
  }
}

TEST(ConfigSecrets, AnUnknownTimeZoneIsRejectedAtLoad) {
  const auto errors = rejection_of(R"([[targets]]
name = "a"
time_zone = "Mars/Olympus"
)");
  EXPECT_NE(errors.find("3:13: key 'targets[0].time_zone': unknown time zone"), std::string::npos)
      << errors;
}
