DROP TABLE postgrator_orders;
