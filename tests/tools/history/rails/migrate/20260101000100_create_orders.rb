class CreateOrders < ActiveRecord::Migration[6.1]
  def change
    create_table :rails_orders
  end
end
