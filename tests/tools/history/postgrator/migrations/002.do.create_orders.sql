CREATE TABLE postgrator_orders (id int PRIMARY KEY);
