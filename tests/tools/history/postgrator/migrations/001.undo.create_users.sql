DROP TABLE postgrator_users;
