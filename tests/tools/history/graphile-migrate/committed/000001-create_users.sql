--! Previous: -
--! Hash: sha1:233de56363e54dd4910749e5dbd9fcb3bb761b0d
--! Message: create_users

CREATE TABLE graphile_users (id int PRIMARY KEY);
