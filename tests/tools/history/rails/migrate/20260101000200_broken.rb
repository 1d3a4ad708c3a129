class Broken < ActiveRecord::Migration[6.1]
  def up
    execute "SELECT no_such_function()"
  end
end
