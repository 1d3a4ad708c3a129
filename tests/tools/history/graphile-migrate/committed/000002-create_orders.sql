--! Previous: sha1:233de56363e54dd4910749e5dbd9fcb3bb761b0d
--! Hash: sha1:1cedea28db1ac21b077a8d0e963c59dd1f19f9df
--! Message: create_orders

CREATE TABLE graphile_orders (id int PRIMARY KEY);
