class CreateUsers < ActiveRecord::Migration[6.1]
  def change
    create_table :rails_users
  end
end
