CREATE TABLE postgrator_users (id int PRIMARY KEY);
