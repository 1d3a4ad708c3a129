-- migrate:up
CREATE TABLE dbmate_users (id int PRIMARY KEY);

-- migrate:down
DROP TABLE dbmate_users;
