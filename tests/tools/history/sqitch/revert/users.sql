DROP TABLE sqitch_users;
