DROP TABLE sqitch_orders;
