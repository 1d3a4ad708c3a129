// postgres_exporter's environment conventions: DATA_SOURCE_NAME lists, DATA_SOURCE_URI with
// DATA_SOURCE_USER / DATA_SOURCE_PASS and their _FILE forms, in upstream's order of precedence.
#include "exporter/environment_targets.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "exporter/config.h"

namespace {

using Variables = std::vector<std::pair<std::string, std::string>>;

// Sets the variables for one test and unsets every DATA_SOURCE_* variable afterwards.
class Environment {
 public:
  explicit Environment(const Variables& variables) {
    clear();
    for (const auto& [name, value] : variables) ::setenv(name.c_str(), value.c_str(), 1);
  }
  ~Environment() { clear(); }

 private:
  static void clear() {
    for (const char* name :
         {"DATA_SOURCE_NAME", "DATA_SOURCE_URI", "DATA_SOURCE_URI_FILE", "DATA_SOURCE_USER",
          "DATA_SOURCE_USER_FILE", "DATA_SOURCE_PASS", "DATA_SOURCE_PASS_FILE"})
      ::unsetenv(name);
  }
};

std::string write_file(const std::string& name, const std::string& content) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("me-env-" + std::to_string(::getpid()) + "-" + name);
  std::ofstream(path) << content;
  return path.string();
}

}  // namespace

TEST(EnvironmentTargets, ADataSourceNameListIsSeveralTargets) {
  Environment env(Variables{{"DATA_SOURCE_NAME",
                             "postgresql://mon@db1:5432/orders,host=db2 dbname=billing user=mon, "
                             "postgresql://mon@db1:5432/orders"}});
  mexp::ConfigErrors errors;
  const auto targets = mexp::environment_targets(errors);
  ASSERT_TRUE(errors.empty()) << errors.joined();
  ASSERT_EQ(targets.size(), 3u);
  EXPECT_EQ(targets[0].name, "db1:5432/orders");
  EXPECT_EQ(targets[0].conninfo, "postgresql://mon@db1:5432/orders");
  EXPECT_EQ(targets[1].name, "db2:5432/billing");
  EXPECT_EQ(targets[1].conninfo, "host=db2 dbname=billing user=mon");
  EXPECT_EQ(targets[2].name, "db1:5432/orders#2") << "names stay unique";
  mexp::ConfigErrors config_errors;
  const auto config = mexp::load_config({"", std::chrono::seconds(15)}, config_errors);
  ASSERT_TRUE(config) << config_errors.joined();
  EXPECT_EQ(config->targets.size(), 3u) << "not collapsed to the last entry";
  EXPECT_TRUE(config->label_targets);
}

TEST(EnvironmentTargets, LibpqsOwnCommasStayInsideTheirDsn) {
  EXPECT_EQ(mexp::split_data_source_names("postgresql://u@h1:5432,h2:5433/db"),
            std::vector<std::string>{"postgresql://u@h1:5432,h2:5433/db"});
  EXPECT_EQ(mexp::split_data_source_names("host=h1,h2 dbname=x,postgresql://h3/y,"),
            (std::vector<std::string>{"host=h1,h2 dbname=x", "postgresql://h3/y"}));
  EXPECT_EQ(mexp::split_data_source_names("dbname=a , dbname=b"),
            (std::vector<std::string>{"dbname=a", "dbname=b"}));
}

TEST(EnvironmentTargets, UriWithUserAndPasswordKeepsThePasswordOutOfTheDsn) {
  Environment env(Variables{{"DATA_SOURCE_URI", "db.internal:6432/orders?sslmode=disable"},
                            {"DATA_SOURCE_USER", "mon itor"},
                            {"DATA_SOURCE_PASS", "p@ss:w/rd%"}});
  mexp::ConfigErrors errors;
  const auto targets = mexp::environment_targets(errors);
  ASSERT_TRUE(errors.empty()) << errors.joined();
  ASSERT_EQ(targets.size(), 1u);
  EXPECT_EQ(targets[0].name, "default");
  EXPECT_EQ(targets[0].conninfo, "postgresql://mon%20itor@db.internal:6432/orders?sslmode=disable");
  EXPECT_EQ(targets[0].password, "p@ss:w/rd%");
  EXPECT_EQ(mexp::describe_conninfo(targets[0].conninfo),
            "host=db.internal port=6432 dbname=orders user=mon itor");
}

TEST(EnvironmentTargets, FilesWinOverVariablesAndAreTrimmed) {
  const auto user_file = write_file("user", "  filed_user\n");
  const auto pass_file = write_file("pass", "filed-pass\n");
  const auto uri_file = write_file("uri", "db:5432/app\n");
  Environment env(Variables{{"DATA_SOURCE_URI_FILE", uri_file},
                            {"DATA_SOURCE_URI", "ignored:1/x"},
                            {"DATA_SOURCE_USER_FILE", user_file},
                            {"DATA_SOURCE_USER", "ignored"},
                            {"DATA_SOURCE_PASS_FILE", pass_file},
                            {"DATA_SOURCE_PASS", "ignored"}});
  mexp::ConfigErrors errors;
  const auto targets = mexp::environment_targets(errors);
  ASSERT_TRUE(errors.empty()) << errors.joined();
  ASSERT_EQ(targets.size(), 1u);
  EXPECT_EQ(targets[0].conninfo, "postgresql://filed_user@db:5432/app");
  EXPECT_EQ(targets[0].password, "filed-pass");
  for (const auto& file : {user_file, pass_file, uri_file}) std::filesystem::remove(file);
}

TEST(EnvironmentTargets, DataSourceNameWinsOverUri) {
  Environment env(Variables{{"DATA_SOURCE_NAME", "host=a dbname=b"}, {"DATA_SOURCE_URI", "c:1/d"}});
  mexp::ConfigErrors errors;
  const auto targets = mexp::environment_targets(errors);
  ASSERT_EQ(targets.size(), 1u);
  EXPECT_EQ(targets[0].conninfo, "host=a dbname=b");
}

TEST(EnvironmentTargets, MistakesAreNamedByVariable) {
  {
    Environment env(Variables{{"DATA_SOURCE_USER", "mon"}, {"DATA_SOURCE_PASS", "S3cr3t"}});
    mexp::ConfigErrors errors;
    mexp::environment_targets(errors);
    EXPECT_EQ(errors.joined(),
              "<environment>: key 'DATA_SOURCE_URI': DATA_SOURCE_USER or DATA_SOURCE_PASS is set "
              "but DATA_SOURCE_URI is not (it holds host:port/database)\n");
  }
  {
    Environment env(
        Variables{{"DATA_SOURCE_URI", "db/x"}, {"DATA_SOURCE_PASS_FILE", "/nonexistent/pw"}});
    mexp::ConfigErrors errors;
    mexp::environment_targets(errors);
    EXPECT_EQ(errors.joined(),
              "<environment>: key 'DATA_SOURCE_PASS_FILE': cannot read '/nonexistent/pw'\n");
  }
  {
    Environment env(Variables{{"DATA_SOURCE_NAME", "host=a,postgresql://u:S3cr3t%zz@b/c"}});
    mexp::ConfigErrors errors;
    mexp::environment_targets(errors);
    EXPECT_NE(errors.joined().find("key 'DATA_SOURCE_NAME[1]': the DSN cannot be parsed"),
              std::string::npos)
        << errors.joined();
    EXPECT_EQ(errors.joined().find("S3cr3t"), std::string::npos);
  }
}

TEST(EnvironmentTargets, NothingSetMeansLibpqsOwnEnvironment) {
  Environment env(Variables{});
  mexp::ConfigErrors errors;
  const auto targets = mexp::environment_targets(errors);
  ASSERT_EQ(targets.size(), 1u);
  EXPECT_EQ(targets[0].name, "default");
  EXPECT_EQ(targets[0].conninfo, "");
}
