# Runs ActiveRecord's own migrator on migrate/ against RAILS_DB: `ruby migrate.rb up [VERSION]`,
# `ruby migrate.rb rollback`, or `ruby migrate.rb pending` (prints how many are not applied). A
# failing migration raises: the script exits non-zero.
require "active_record"
require "pg"

ActiveRecord::Base.establish_connection(
  adapter: "postgresql", host: "127.0.0.1", port: ENV.fetch("PGPORT"), username: "postgres",
  database: ENV.fetch("RAILS_DB")
)
ActiveRecord::Migration.verbose = false
context = ActiveRecord::MigrationContext.new(File.join(__dir__, "migrate"), ActiveRecord::SchemaMigration)
case ARGV[0]
when "up" then context.migrate(ARGV[1]&.to_i)
when "rollback" then context.rollback(1)
when "pending" then puts(context.migrations_status.count { |status, _, _| status == "down" })
else abort "usage: migrate.rb up [VERSION] | rollback | pending"
end
