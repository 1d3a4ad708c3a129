CREATE TABLE sqitch_orders (id int PRIMARY KEY, user_id int REFERENCES sqitch_users);
