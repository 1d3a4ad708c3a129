-- migrate:up
CREATE TABLE dbmate_orders (id int PRIMARY KEY);

-- migrate:down
DROP TABLE dbmate_orders;
