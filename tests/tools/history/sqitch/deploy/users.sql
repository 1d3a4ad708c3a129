CREATE TABLE sqitch_users (id int PRIMARY KEY);
